//! Lossless Lua (not yet implemented).
