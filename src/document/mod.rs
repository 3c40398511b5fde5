//! Lossless document layers for the three configuration languages jitsi-tokens edits.
//!
//! Each layer parses a file with a real parser of its language, exposes what it found with exact
//! byte spans into the original text, and offers small edit helpers that produce [`Patch`]es:
//! `(range, replacement)` pairs applied to the original text. Nothing here rebuilds a file from a
//! tree, so every byte outside an edit survives: comments, blank lines, tabs, CRLF, separators,
//! a missing final newline, Unicode.
//!
//! The layers know nothing of Jitsi. What Jitsi requires lives in [`crate::jitsi`].

pub mod edit;
pub mod error;
pub mod hocon;
pub mod js;
pub mod lua;
pub mod properties;
pub mod text;

pub use edit::{Edit, Patch};
pub use error::SyntaxError;
