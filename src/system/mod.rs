//! The system behind small interfaces (not yet implemented).

/// The process environment a command runs in.
pub struct Env {}

impl Env {
    pub fn real() -> Self {
        Env {}
    }
}
