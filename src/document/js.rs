//! Lossless JavaScript (not yet implemented).
