//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

/// The upstream conformance fixtures (`../shared/fixtures`), read in place and never copied into
/// the project. Looked up in `JITSI_TOKENS_SHARED_FIXTURES`, then beside the checkout, then at
/// `/work/shared/fixtures`. `None` when this machine has none of them.
pub fn shared_fixtures() -> Option<PathBuf> {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let candidates = [
        std::env::var_os("JITSI_TOKENS_SHARED_FIXTURES").map(PathBuf::from),
        Some(manifest.join("../shared/fixtures")),
        Some(PathBuf::from("/work/shared/fixtures")),
    ];
    candidates
        .into_iter()
        .flatten()
        .find(|p| p.join("SOURCES.md").is_file())
}

/// The upstream fixtures, or a loud note on stderr and `None` so the caller returns early.
pub fn shared_fixtures_or_note(test: &str) -> Option<PathBuf> {
    let found = shared_fixtures();
    if found.is_none() {
        eprintln!("NOTE: {test}: ../shared/fixtures not found; upstream conformance cases not run");
    }
    found
}

/// The project's own fixtures.
pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}
