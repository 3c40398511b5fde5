//! The only place that prints.

use crate::failure::Failure;

pub fn error(failure: &Failure) {
    eprintln!("error: {failure}");
}
