//! Entropy coding (CAVLC, 9.2) of what `analyse` decided: residual blocks and macroblock syntax.

pub mod cavlc;
mod cavlc_tables;
pub mod macroblock;
