//! `rtenc`: encode Y4M or raw NV12 files to H.264, run the built-in demo, or serve a live
//! stream to browsers.

mod demo;
mod encode;
mod serve;
mod summary;
mod y4m;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// A real-time H.264 encoder (Constrained Baseline, Annex B output).
#[derive(Parser, Debug)]
#[command(name = "rtenc", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Encode a .y4m (8-bit 4:2:0) or raw NV12 file (or stdin) to an H.264 Annex B file
    Encode(encode::EncodeArgs),
    /// Encode the built-in animated demo scene
    Demo(demo::DemoArgs),
    /// Stream the demo scene or a file live to browsers (HTTP + WebSocket, WebCodecs page)
    Serve(serve::ServeArgs),
    /// Print the CPU features detected and the SIMD kernel set in use (avx2, sse2, neon,
    /// scalar; `RTENC_CPU=scalar|sse2|avx2|neon` caps it)
    Info,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Encode(args) => encode::cmd(args),
        Command::Demo(args) => demo::cmd(args),
        Command::Serve(args) => serve::cmd(args),
        Command::Info => {
            print!(
                "rtenc {}\n{}",
                env!("CARGO_PKG_VERSION"),
                rtenc::CpuInfo::detect()
            );
            Ok(())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("rtenc: error: {msg}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn parses_commands() {
        let cli =
            Cli::try_parse_from(["rtenc", "encode", "in.y4m", "-o", "out.h264", "--qp", "30"])
                .unwrap();
        assert!(matches!(cli.command, Command::Encode(ref a) if a.rate.qp == Some(30)));
        let cli = Cli::try_parse_from(["rtenc", "demo"]).unwrap();
        match cli.command {
            Command::Demo(a) => {
                assert_eq!(
                    (a.size, a.frames, a.output.as_str()),
                    ((1280, 720), 150, "demo.h264")
                )
            }
            _ => panic!("not demo"),
        }
        // --qp and --bitrate exclude each other; QP is 0..=51.
        assert!(Cli::try_parse_from(["rtenc", "demo", "--qp", "20", "--bitrate", "1M"]).is_err());
        assert!(Cli::try_parse_from(["rtenc", "demo", "--qp", "52"]).is_err());
        assert!(Cli::try_parse_from(["rtenc", "encode", "in.nv12"]).is_err());
        assert!(Cli::try_parse_from(["rtenc", "demo", "--frames", "0"]).is_err());
        match Cli::try_parse_from(["rtenc", "serve"]).unwrap().command {
            Command::Serve(a) => assert_eq!(
                (a.source.as_str(), a.bind.as_str(), a.max_viewers, a.size),
                ("demo", "127.0.0.1:8080", 16, None)
            ),
            _ => panic!("not serve"),
        }
        assert!(Cli::try_parse_from(["rtenc", "serve", "--qp", "20", "--bitrate", "1M"]).is_err());
        assert!(Cli::try_parse_from(["rtenc", "serve", "--max-viewers", "0"]).is_err());
        assert!(matches!(
            Cli::try_parse_from(["rtenc", "info"]).unwrap().command,
            Command::Info
        ));
    }
}
