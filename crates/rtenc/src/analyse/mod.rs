//! Encoder decisions: intra and inter mode choice, motion search, costs.
