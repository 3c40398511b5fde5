//! Every configuration file we know of, upstream and our own, parses and prints back byte for
//! byte: Lua through full_moon's tree, HOCON through the project's own token stream. The
//! JavaScript layer never prints from a tree (edits are spans into the original text), so for it
//! the property is that the file parses and an empty patch gives back the same bytes.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use jitsi_tokens::document::{Patch, hocon, js, lua};

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn kind(path: &Path) -> Option<&'static str> {
    let name = path.file_name()?.to_str()?;
    if name.ends_with(".cfg.lua") || name.starts_with("prosody.cfg.lua") {
        Some("lua")
    } else if name.ends_with(".js") {
        Some("js")
    } else if name.ends_with(".conf") || name.contains(".conf.") {
        Some("hocon")
    } else {
        None
    }
}

fn assert_round_trip(path: &Path) -> bool {
    let Some(kind) = kind(path) else {
        return false;
    };
    // Syntax-error cases are meant not to parse.
    if path.components().any(|c| c.as_os_str() == "errors") {
        return false;
    }
    let src = std::fs::read_to_string(path).unwrap();
    let variants = [
        src.clone(),
        src.replace('\n', "\r\n"),
        src.trim_end().to_string(),
        src.replace("    ", "\t"),
    ];
    for text in variants {
        match kind {
            "lua" => assert_eq!(lua::reprint(&text).unwrap(), text, "{}", path.display()),
            "hocon" => {
                let doc = hocon::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                assert_eq!(doc.to_source_string(), text, "{}", path.display());
            }
            _ => {
                let doc = js::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                assert_eq!(Patch::new().apply(doc.source()).unwrap(), text);
            }
        }
    }
    true
}

#[test]
fn our_fixtures_and_templates_round_trip() {
    let mut files = Vec::new();
    files_under(&fixtures(), &mut files);
    let dir = tempfile::tempdir().unwrap();
    write_stock(dir.path(), "meet.example.org");
    files_under(dir.path(), &mut files);
    let checked = files.iter().filter(|p| assert_round_trip(p)).count();
    assert!(checked >= 12, "only {checked} files checked");
}

#[test]
fn upstream_fixtures_round_trip() {
    let Some(shared) = shared_fixtures_or_note("upstream_fixtures_round_trip") else {
        return;
    };
    let mut files = Vec::new();
    files_under(&shared, &mut files);
    let checked = files.iter().filter(|p| assert_round_trip(p)).count();
    assert!(checked >= 15, "only {checked} upstream files checked");
}
