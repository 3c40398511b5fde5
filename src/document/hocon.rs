//! Lossless HOCON (not yet implemented).
