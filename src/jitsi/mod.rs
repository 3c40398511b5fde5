//! What Jitsi token authentication requires, and where a host keeps the files it concerns.
//!
//! The format layers in [`crate::document`] know nothing of Jitsi; this module holds the Jitsi
//! knowledge: the three file roles and their paths ([`layout`]), Prosody's reading of its config
//! ([`prosody`]), and the requirements of token authentication as data ([`requirements`]), which
//! `install` plans edits from and `check` reports findings from.

pub mod layout;
pub mod meet;
pub mod prosody;
pub mod requirements;
