//! The two ways a command fails, and the exit code each one means.
//!
//! Exit code 2 is "your input is wrong, nothing was written"; exit code 1 is "the work failed
//! (files were rolled back)" or, for `check` and `token verify`, "findings". Deciding the code in
//! one place keeps the contract in `--help` true.

use std::fmt;

/// A command that could not do its job.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub error: anyhow::Error,
}

impl Failure {
    /// Bad usage or input; nothing was written. Exit 2.
    pub fn input(error: impl Into<anyhow::Error>) -> Self {
        Failure {
            code: 2,
            error: error.into(),
        }
    }

    /// A write, validation or restart failed; files were rolled back. Exit 1.
    pub fn failed(error: impl Into<anyhow::Error>) -> Self {
        Failure {
            code: 1,
            error: error.into(),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#}", self.error)
    }
}

/// `bail`-style helper for input errors: `return Err(input!("..."))`.
#[macro_export]
macro_rules! input {
    ($($arg:tt)*) => { $crate::failure::Failure::input(anyhow::anyhow!($($arg)*)) };
}

/// Marks any error as an input error (exit 2).
pub trait InputContext<T> {
    fn or_input(self) -> Result<T, Failure>;
}

impl<T, E: Into<anyhow::Error>> InputContext<T> for Result<T, E> {
    fn or_input(self) -> Result<T, Failure> {
        self.map_err(Failure::input)
    }
}
