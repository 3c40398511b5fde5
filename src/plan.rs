//! plan (not yet implemented).
