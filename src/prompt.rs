//! prompt (not yet implemented).
