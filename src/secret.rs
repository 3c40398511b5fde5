//! secret (not yet implemented).
