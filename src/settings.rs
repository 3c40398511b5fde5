//! settings (not yet implemented).
