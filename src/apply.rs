//! apply (not yet implemented).
