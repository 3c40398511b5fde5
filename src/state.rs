//! `/var/lib/jitsi-tokens/state.toml`: what install changed, so uninstall can revert exactly
//! that and nothing else.
//!
//! The file is TOML written with toml_edit, so it stays readable and carries comments. When
//! install runs again (a rotated secret, say), each change keeps the `before` of the first run:
//! uninstall goes back to the configuration that existed before jitsi-tokens, not to an
//! intermediate one. What install wrote into a secret option is stored as a salted SHA-256, never
//! as text; the file is mode 0600 in a 0700 directory because `before` may hold a value the admin
//! had configured.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use sha2::{Digest, Sha256};
use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, value};

use crate::jitsi::layout::{HostFiles, Role};
use crate::jitsi::requirements::SECRET_OPTIONS;
use crate::plan::{Before, Record, RecordKind};
use crate::system::fs::{self, FileMeta, Root};

pub const STATE_FILE: &str = "state.toml";

/// What install recorded for one host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct State {
    pub hostname: String,
    pub files: Vec<(Role, PathBuf)>,
    salt: String,
    pub records: Vec<Record>,
}

const HEADER: &str = "\
# What `jitsi-tokens install` changed on this machine, so that `jitsi-tokens uninstall` can revert
# exactly that and nothing else (edits made afterwards are kept). Written by jitsi-tokens.
# `after` of a secret option is a salted SHA-256 of what was written, never the secret itself.
";

impl State {
    pub fn new(files: &HostFiles) -> Self {
        let mut salt = [0u8; 16];
        let _ = getrandom::fill(&mut salt);
        State {
            hostname: files.hostname.clone(),
            files: HostFiles::ROLES
                .iter()
                .map(|r| (*r, files.path(*r).to_path_buf()))
                .collect(),
            salt: salt.iter().map(|b| format!("{b:02x}")).collect(),
            records: Vec::new(),
        }
    }

    pub fn path(root: &Root) -> PathBuf {
        root.state_dir().join(STATE_FILE)
    }

    /// Reads the state under `root`; `None` when install never ran there.
    pub fn load(root: &Root) -> Result<Option<Self>> {
        let path = Self::path(root);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        Self::parse(&text).map(Some).with_context(|| {
            format!(
                "{} is damaged; restore it from a backup or remove it (uninstall then has nothing to revert)",
                path.display()
            )
        })
    }

    fn parse(text: &str) -> Result<Self> {
        let doc: DocumentMut = text.parse()?;
        let str_of = |t: &Table, key: &str| -> Result<String> {
            t.get(key)
                .and_then(Item::as_str)
                .map(str::to_string)
                .ok_or_else(|| anyhow!("missing `{key}`"))
        };
        let root = doc.as_table();
        let hostname = str_of(root, "hostname")?;
        let salt = str_of(root, "salt")?;
        let files_table = root
            .get("files")
            .and_then(Item::as_table)
            .ok_or_else(|| anyhow!("missing [files]"))?;
        let mut files = Vec::new();
        for role in HostFiles::ROLES {
            files.push((role, PathBuf::from(str_of(files_table, role_name(role))?)));
        }
        let mut records = Vec::new();
        if let Some(changes) = root.get("change").and_then(Item::as_array_of_tables) {
            for t in changes.iter() {
                let was = str_of(t, "was")?;
                let before = match was.as_str() {
                    "absent" => Before::Absent,
                    "value" => Before::Value(str_of(t, "before")?),
                    "comment" => Before::Comment(str_of(t, "before")?),
                    other => bail!("unknown `was = {other:?}`"),
                };
                records.push(Record {
                    file: role_from(&str_of(t, "file")?)?,
                    kind: kind_from(&str_of(t, "kind")?)?,
                    block: t.get("block").and_then(Item::as_str).map(str::to_string),
                    key: str_of(t, "key")?,
                    before,
                    after: str_of(t, "after")?,
                });
            }
        }
        Ok(State {
            hostname,
            files,
            salt,
            records,
        })
    }

    fn render(&self) -> String {
        let mut doc = DocumentMut::new();
        doc.decor_mut().set_prefix(HEADER);
        doc["version"] = value(1);
        doc["hostname"] = value(self.hostname.as_str());
        doc["salt"] = value(self.salt.as_str());
        let mut files = Table::new();
        for (role, path) in &self.files {
            files[role_name(*role)] = value(path.display().to_string());
        }
        doc["files"] = Item::Table(files);
        let mut changes = ArrayOfTables::new();
        for r in &self.records {
            let mut t = Table::new();
            t["file"] = value(role_name(r.file));
            t["kind"] = value(kind_name(r.kind));
            if let Some(block) = &r.block {
                t["block"] = value(block.as_str());
            }
            t["key"] = value(r.key.as_str());
            let (was, before) = match &r.before {
                Before::Absent => ("absent", None),
                Before::Value(v) => ("value", Some(v)),
                Before::Comment(c) => ("comment", Some(c)),
            };
            t["was"] = value(was);
            if let Some(before) = before {
                t["before"] = value(before.as_str());
            }
            t["after"] = value(r.after.as_str());
            changes.push(t);
        }
        doc["change"] = Item::ArrayOfTables(changes);
        doc.to_string()
    }

    /// Adds what an install run changed. A change to something already recorded keeps the first
    /// `before`; secret values are stored hashed.
    pub fn merge(&mut self, new: &[Record]) {
        for record in new {
            let mut record = record.clone();
            if is_secret(&record) {
                record.after = self.hash(&record.after);
            }
            match self.records.iter_mut().find(|r| same_target(r, &record)) {
                Some(existing) => existing.after = record.after,
                None => self.records.push(record),
            }
        }
    }

    /// Whether `current` (source text now in the file) is what install wrote for `record`.
    pub fn still_ours(&self, record: &Record, current: &str) -> bool {
        if is_secret(record) {
            self.hash(current) == record.after
        } else {
            current == record.after
        }
    }

    fn hash(&self, text: &str) -> String {
        let mut h = Sha256::new();
        h.update(self.salt.as_bytes());
        h.update(text.as_bytes());
        let digest = h.finalize();
        format!(
            "sha256:{}",
            digest
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        )
    }

    /// Writes the state atomically, mode 0600.
    pub fn save(&self, root: &Root) -> Result<()> {
        let path = Self::path(root);
        fs::create_private_dir(path.parent().expect("state dir"))?;
        let meta = FileMeta {
            uid: nix::unistd::geteuid().as_raw(),
            gid: nix::unistd::getegid().as_raw(),
            mode: 0o600,
        };
        if path.exists() {
            fs::write_atomic(&path, self.render().as_bytes(), meta)
        } else {
            let temp = path.with_extension("toml.new");
            let _ = std::fs::remove_file(&temp);
            fs::write_new(&temp, self.render().as_bytes(), meta)?;
            std::fs::rename(&temp, &path)
                .with_context(|| format!("cannot create {}", path.display()))?;
            // Recorded before the targets change: the new name must reach the disk first too.
            fs::sync_dir(path.parent().expect("state dir"))?;
            Ok(())
        }
    }

    pub fn remove(root: &Root) -> Result<()> {
        let path = Self::path(root);
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(e).with_context(|| format!("cannot remove {}", path.display()))
            }
            _ => Ok(()),
        }
    }

    pub fn file(&self, role: Role) -> &Path {
        &self
            .files
            .iter()
            .find(|(r, _)| *r == role)
            .expect("three files")
            .1
    }
}

fn is_secret(r: &Record) -> bool {
    r.kind == RecordKind::Setting && SECRET_OPTIONS.contains(&r.key.as_str())
}

fn same_target(a: &Record, b: &Record) -> bool {
    a.file == b.file && a.kind == b.kind && a.block == b.block && a.key == b.key
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Prosody => "prosody",
        Role::Meet => "meet",
        Role::Jicofo => "jicofo",
    }
}

fn role_from(s: &str) -> Result<Role> {
    HostFiles::ROLES
        .into_iter()
        .find(|r| role_name(*r) == s)
        .ok_or_else(|| anyhow!("unknown file {s:?}"))
}

const KINDS: [(RecordKind, &str); 5] = [
    (RecordKind::Setting, "setting"),
    (RecordKind::Module, "module"),
    (RecordKind::GuestHost, "guest-host"),
    (RecordKind::AnonymousDomain, "anonymous-domain"),
    (RecordKind::JicofoAuthentication, "jicofo-authentication"),
];

fn kind_name(kind: RecordKind) -> &'static str {
    KINDS
        .iter()
        .find(|(k, _)| *k == kind)
        .expect("every kind")
        .1
}

fn kind_from(s: &str) -> Result<RecordKind> {
    KINDS
        .iter()
        .find(|(_, n)| *n == s)
        .map(|(k, _)| *k)
        .ok_or_else(|| anyhow!("unknown kind {s:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(key: &str, before: Before, after: &str) -> Record {
        Record {
            file: Role::Prosody,
            kind: RecordKind::Setting,
            block: Some("VirtualHost \"h\"".into()),
            key: key.into(),
            before,
            after: after.into(),
        }
    }

    #[test]
    fn round_trips_keeps_the_first_before_and_hashes_secrets() {
        let mut state = State::new(&HostFiles::debian("h.org"));
        state.merge(&[
            record(
                "app_secret",
                Before::Comment("--app_secret=\"x\"".into()),
                "\"first\"",
            ),
            record("app_id", Before::Absent, "\"a\""),
        ]);
        state.merge(&[record(
            "app_secret",
            Before::Value("\"first\"".into()),
            "\"second\"",
        )]);
        let text = state.render();
        assert!(
            !text.contains("first") && !text.contains("second"),
            "{text}"
        );
        assert!(text.starts_with("# What `jitsi-tokens install` changed"));
        let back = State::parse(&text).unwrap();
        assert_eq!(back, state);
        assert_eq!(back.records.len(), 2);
        assert_eq!(
            back.records[0].before,
            Before::Comment("--app_secret=\"x\"".into())
        );
        assert!(back.still_ours(&back.records[0], "\"second\""));
        assert!(!back.still_ours(&back.records[0], "\"first\""));
        assert!(back.still_ours(&back.records[1], "\"a\""));
    }
}
