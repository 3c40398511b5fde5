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

pub mod case;
pub mod oracles;

use std::path::Path;
use std::process::{Command, Output, Stdio};

/// The binary under test.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_jitsi-tokens"))
}

/// Runs the binary with `args` and `stdin`, without a terminal.
pub fn run(args: &[&str], stdin: &str) -> Output {
    use std::io::Write;
    let mut child = bin()
        .args(args)
        .env_remove("DEBIAN_FRONTEND")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Copies a directory tree (files and symlinks), making files writable.
pub fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let dest = to.join(entry.file_name());
        let ty = entry.file_type().unwrap();
        if ty.is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
            copy_tree(&entry.path(), &dest);
        } else if ty.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(entry.path()).unwrap(), &dest).unwrap();
        } else {
            std::fs::write(&dest, std::fs::read(entry.path()).unwrap()).unwrap();
        }
    }
}

/// Writes `text` to `root/rel`, creating directories.
pub fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

pub fn read(root: &Path, rel: &str) -> String {
    std::fs::read_to_string(root.join(rel)).unwrap()
}

/// The project's own stock Debian files for `host` (the demo templates), under `root`.
pub fn write_stock(root: &Path, host: &str) {
    jitsi_tokens::demo::write_stock(root, host).expect("stock files written");
}

pub fn prosody_rel(host: &str) -> String {
    format!("etc/prosody/conf.avail/{host}.cfg.lua")
}

pub fn meet_rel(host: &str) -> String {
    format!("etc/jitsi/meet/{host}-config.js")
}

pub const JICOFO: &str = "etc/jitsi/jicofo/jicofo.conf";
