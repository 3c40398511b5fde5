//! templates (not yet implemented).
