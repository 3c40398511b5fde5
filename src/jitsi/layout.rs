//! Where a Jitsi Meet host keeps the three files token authentication touches, and how to find
//! the host when nobody names it.

use std::path::{Path, PathBuf};

/// The three files, as paths relative to the root (`etc/...`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostFiles {
    pub hostname: String,
    pub prosody: PathBuf,
    pub meet: PathBuf,
    pub jicofo: PathBuf,
}

/// The role a file plays, for messages and reports.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    Prosody,
    Meet,
    Jicofo,
}

pub const PROSODY_AVAIL: &str = "etc/prosody/conf.avail";
pub const PROSODY_ENABLED: &str = "etc/prosody/conf.d";
pub const MEET_DIR: &str = "etc/jitsi/meet";
pub const JICOFO_CONF: &str = "etc/jitsi/jicofo/jicofo.conf";

/// The services token authentication concerns, in the order they must restart.
pub const SERVICES: [&str; 3] = ["prosody", "jicofo", "jitsi-videobridge2"];

impl HostFiles {
    /// The Debian package layout for `hostname`.
    pub fn debian(hostname: &str) -> Self {
        HostFiles {
            hostname: hostname.to_string(),
            prosody: Path::new(PROSODY_AVAIL).join(format!("{hostname}.cfg.lua")),
            meet: Path::new(MEET_DIR).join(format!("{hostname}-config.js")),
            jicofo: PathBuf::from(JICOFO_CONF),
        }
    }

    /// All three roles, in the order files are planned and written.
    pub const ROLES: [Role; 3] = [Role::Prosody, Role::Meet, Role::Jicofo];

    pub fn path(&self, role: Role) -> &Path {
        match role {
            Role::Prosody => &self.prosody,
            Role::Meet => &self.meet,
            Role::Jicofo => &self.jicofo,
        }
    }
}

/// A hostname safe to use in file names and configuration strings: DNS labels of letters,
/// digits, `-` and `_` separated by dots (an IPv4 address also qualifies).
pub fn validate_hostname(host: &str) -> Result<(), String> {
    let bad = |why: &str| Err(format!("{host:?} is not a usable hostname: {why}"));
    if host.is_empty() || host.len() > 253 {
        return bad("it must have 1 to 253 characters");
    }
    for label in host.split('.') {
        if label.is_empty() {
            return bad("it has an empty label (two dots, or a dot at an end)");
        }
        if label.len() > 63 {
            return bad("a label is longer than 63 characters");
        }
        if !label
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return bad("only letters, digits, '-', '_' and '.' are allowed");
        }
        if label.starts_with('-') || label.ends_with('-') {
            return bad("a label starts or ends with '-'");
        }
    }
    Ok(())
}

/// Hosts that have both `etc/jitsi/meet/HOST-config.js` and
/// `etc/prosody/conf.avail/HOST.cfg.lua` under `root`, sorted. Also returns what was seen of
/// each kind, for the error message when the answer is not exactly one host.
pub fn candidate_hosts(root: &Path) -> (Vec<String>, Vec<String>, Vec<String>) {
    let list = |dir: &Path, suffix: &str| -> Vec<String> {
        let mut out: Vec<String> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| {
                let name = e.file_name().into_string().ok()?;
                let host = name.strip_suffix(suffix)?;
                (validate_hostname(host).is_ok()).then(|| host.to_string())
            })
            .collect();
        out.sort();
        out
    };
    let meet = list(&root.join(MEET_DIR), "-config.js");
    let prosody = list(&root.join(PROSODY_AVAIL), ".cfg.lua");
    let both = meet
        .iter()
        .filter(|h| prosody.contains(h))
        .cloned()
        .collect();
    (both, meet, prosody)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostnames() {
        assert!(validate_hostname("meet.example.org").is_ok());
        assert!(validate_hostname("meet.jitsi").is_ok());
        assert!(validate_hostname("10.0.0.1").is_ok());
        for bad in ["", "a..b", "-a.org", "a b", "a/b", "x\"y", ".a"] {
            assert!(validate_hostname(bad).is_err(), "{bad}");
        }
    }
}
