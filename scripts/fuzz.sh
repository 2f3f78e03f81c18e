#!/usr/bin/env bash
# Runs each cargo-fuzz target of fuzz/ for a bounded time (needs a nightly toolchain and
# cargo-fuzz: `cargo install cargo-fuzz --locked`).
#
#   bash scripts/fuzz.sh                          # every target, FUZZ_SECONDS (default 30) each
#   FUZZ_SECONDS=600 bash scripts/fuzz.sh encode  # one target, 10 minutes
#
# Each target starts from its committed seeds (fuzz/corpus/<target>/seed-*) plus whatever
# earlier runs added to fuzz/corpus/<target>/ (ignored by git). On a crash the script prints
# libFuzzer's report, keeps the input under fuzz/artifacts/<target>/ and fails; reproduce with
# `cargo +nightly fuzz run -O -a <target> fuzz/artifacts/<target>/<file>`.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

seconds="${FUZZ_SECONDS:-30}"
# LeakSanitizer is off by default: the encoder's scoped slice threads can still be freeing their
# thread-locals when libFuzzer checks an input's mallocs against its frees, which once gave a
# leak report that no re-run of the same input reproduced. Memory growth is covered by the soak
# test (VmRSS over 100 000 frames) and by -rss_limit_mb here. FUZZ_LEAKS=1 turns it on.
leaks="${FUZZ_LEAKS:-0}"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(config encode frame_input)
fi

# Optimised (-O) with debug assertions and overflow checks (-a).
cargo +nightly fuzz build -O -a
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
for t in "${targets[@]}"; do
    printf -- '----- fuzz target %s: %s s -----\n' "$t" "$seconds"
    mkdir -p "corpus/$t"
    status=0
    # -rss_limit_mb: a 96x96 encoder and decoder need far less; a leak shows up as a failure.
    cargo +nightly fuzz run -O -a "$t" "corpus/$t" -- \
        -max_total_time="$seconds" -detect_leaks="$leaks" -rss_limit_mb=1024 -timeout=30 -print_final_stats=1 \
        >"$log" 2>&1 || status=$?
    if [ "$status" -ne 0 ]; then
        mkdir -p "artifacts/$t"
        cp "$log" "artifacts/$t/fuzz.log"
        tail -n 80 "$log" >&2
        echo "fuzz target $t FAILED (exit $status; input and full log in fuzz/artifacts/$t/)" >&2
        exit 1
    fi
    grep -E '^(Done [0-9]+ runs|stat::number_of_executed_units|stat::peak_rss_mb)' "$log" || true
done
