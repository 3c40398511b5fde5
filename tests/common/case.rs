//! A temporary root holding one host's three files, and the secret in a file beside it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use super::*;

pub const SECRET: &str = "s3cr3t/with&sed$chars\\and\"quotes']]`€-0123456789abcdef";

/// A temporary root holding a host's files, with the secret in a file outside the root.
pub struct Case {
    pub dir: tempfile::TempDir,
    pub root: PathBuf,
    pub host: String,
}

impl Case {
    pub fn new(host: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("root")).unwrap();
        std::fs::write(dir.path().join("secret"), format!("{SECRET}\n")).unwrap();
        Case {
            root: dir.path().join("root"),
            dir,
            host: host.to_string(),
        }
    }

    /// The project's own stock Debian files.
    pub fn stock(host: &str) -> Self {
        let case = Case::new(host);
        write_stock(case.root(), host);
        case
    }

    /// A copy of a fixture tree (ours, or an upstream one from ../shared/fixtures).
    pub fn copy_of(tree: &Path, host: &str) -> Self {
        let case = Case::new(host);
        copy_tree(tree, case.root());
        case
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn root_str(&self) -> String {
        self.root.display().to_string()
    }

    pub fn secret_file(&self) -> String {
        self.dir.path().join("secret").display().to_string()
    }

    pub fn prosody(&self) -> PathBuf {
        self.root.join(prosody_rel(&self.host))
    }

    pub fn meet(&self) -> PathBuf {
        self.root.join(meet_rel(&self.host))
    }

    pub fn jicofo(&self) -> PathBuf {
        self.root.join(JICOFO)
    }

    pub fn texts(&self) -> [String; 3] {
        [self.prosody(), self.meet(), self.jicofo()].map(|p| std::fs::read_to_string(p).unwrap())
    }

    pub fn install(&self, extra: &[&str]) -> std::process::Output {
        let root = self.root_str();
        let secret = self.secret_file();
        let mut args = vec![
            "install",
            "--root",
            &root,
            "--app-id",
            "my-app",
            "--app-secret-file",
            &secret,
            "--non-interactive",
        ];
        args.extend_from_slice(extra);
        run(&args, "")
    }
}
