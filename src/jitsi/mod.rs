//! What Jitsi token authentication requires (not yet implemented).
