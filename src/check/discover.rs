//! What to check: the host under a root, or the config sets and lone files found from PATHs.
//!
//! A *config set* is the files of one Jitsi Meet deployment, which the rules judge together:
//! - Debian layout, below a directory `R`: `R/etc/prosody/conf.avail/HOST.cfg.lua`,
//!   `R/etc/jitsi/meet/HOST-config.js`, `R/etc/jitsi/jicofo/jicofo.conf` (one set per HOST);
//! - docker-jitsi-meet layout, below its config directory `R`:
//!   `R/prosody/config/conf.d/jitsi-meet.cfg.lua`, `R/web/config.js`, `R/jicofo/jicofo.conf`.
//!
//! Either may also have jicofo's legacy `sip-communicator.properties` beside jicofo.conf. A
//! file named on the command line that belongs to such a layout is checked with its whole set
//! (pre-commit passes changed files one by one); any other file is a *lone file* and gets the
//! checks that apply to it alone.

use std::collections::HashSet;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use crate::jitsi::layout::{self, JICOFO_CONF, MEET_DIR, PROSODY_AVAIL, PROSODY_ENABLED};
use crate::rules::{Enabled, FileKind, Live};
use crate::settings::Host;
use crate::system::fs::{FileMeta, STATE_DIR};

/// The docker-jitsi-meet layout, relative to its config directory.
pub const DOCKER_PROSODY: &str = "prosody/config/conf.d/jitsi-meet.cfg.lua";
pub const DOCKER_MEET: &str = "web/config.js";
pub const DOCKER_JICOFO: &str = "jicofo/jicofo.conf";
/// jicofo's legacy properties file, beside jicofo.conf in both layouts.
pub const SIP_PROPERTIES: &str = "sip-communicator.properties";

/// One thing to check: a config set or a lone file.
#[derive(Debug, Clone)]
pub struct Unit {
    pub files: Vec<UnitFile>,
    pub host: HostHint,
    /// A whole config set: what is missing from it is a finding.
    pub whole_set: bool,
    /// Only for the host under `--root`.
    pub live: Option<Live>,
}

#[derive(Debug, Clone)]
pub struct UnitFile {
    pub kind: FileKind,
    /// Where to read it.
    pub path: PathBuf,
    /// How to name it in findings.
    pub shown: String,
    /// Counted in `files_checked`: false for a file shared with a unit handed out before
    /// (the jicofo.conf of a Debian layout with several hosts).
    pub counted: bool,
}

/// How the main domain of a unit is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostHint {
    /// From the Debian file names or `--hostname`.
    Known(String),
    /// From the files themselves (docker layout, lone files).
    Detect,
    /// Not a host's file (an unpaired file in a Debian tree): only the checks that need no
    /// host run.
    None,
}

/// The host under `--root`, found as `install` finds it, with the facts of a live root.
pub fn root_unit(host: &Host) -> Result<Unit, String> {
    let root = &host.root;
    let files = &host.files;
    let hostname = host.hostname();
    let resolve = |rel: &Path| root.resolve(rel).map_err(|e| format!("{e:#}"));
    let prosody_rel = files.prosody.clone();
    let prosody_real = resolve(&prosody_rel)?;
    if !prosody_real.is_file() {
        return Err(format!(
            "{} does not exist; is {hostname} the right host{}?",
            root.display(&prosody_rel),
            if root.is_system_root() {
                ""
            } else {
                " and --root the right directory"
            }
        ));
    }
    let jicofo_dir = Path::new(JICOFO_CONF).parent().expect("a directory");
    let candidates = [
        (FileKind::Prosody, prosody_rel.clone()),
        (FileKind::Meet, files.meet.clone()),
        (FileKind::Jicofo, files.jicofo.clone()),
        (FileKind::Sip, jicofo_dir.join(SIP_PROPERTIES)),
    ];
    let mut unit_files = Vec::new();
    for (kind, rel) in candidates {
        let real = resolve(&rel)?;
        if kind == FileKind::Prosody || real.exists() {
            unit_files.push(UnitFile {
                kind,
                path: real,
                shown: root.display(&rel),
                counted: true,
            });
        }
    }
    let enabled_rel = Path::new(PROSODY_ENABLED).join(format!("{hostname}.cfg.lua"));
    let enabled_path = root.join(&enabled_rel);
    let enabled = match std::fs::symlink_metadata(&enabled_path) {
        Err(_) => Enabled::Missing,
        Ok(meta) => match root.resolve(&enabled_rel) {
            Ok(real) if real == prosody_real => Enabled::Linked,
            Ok(real) if meta.file_type().is_symlink() && !real.exists() => Enabled::Missing,
            Ok(real) if meta.file_type().is_symlink() => {
                Enabled::ElsewhereLink(shown_in_root(root.path(), &real))
            }
            Ok(_) => Enabled::Copy,
            Err(e) => Enabled::ElsewhereLink(format!("{e:#}")),
        },
    };
    let prosody_meta = std::fs::metadata(&prosody_real)
        .ok()
        .map(|m| FileMeta::of(&m));
    Ok(Unit {
        files: unit_files,
        host: HostHint::Known(hostname.to_string()),
        whole_set: true,
        live: Some(Live {
            prosody_meta,
            enabled_path: root.display(&enabled_rel),
            enabled,
        }),
    })
}

/// `real` (a path on this machine below `root`) as the system mounted at `root` sees it.
fn shown_in_root(root: &Path, real: &Path) -> String {
    match real.strip_prefix(root) {
        Ok(rel) if root == Path::new("/") => format!("/{}", rel.display()),
        Ok(rel) => format!("/{}", rel.display()),
        Err(_) => real.display().to_string(),
    }
}

/// Finds the units of `paths`, handing each to `sink` as soon as it is found. Returns the
/// paths that could not be read or held nothing to check (each an error message).
///
/// Named files come first, then directories (a directory inside another named one is walked
/// once, as part of the outer one). Only units from named files are remembered, so memory does
/// not grow with the size of a walked tree.
pub fn discover(
    paths: &[PathBuf],
    hostname: Option<&str>,
    sink: &mut dyn FnMut(Unit),
) -> Vec<String> {
    let mut d = Discovery {
        hostname,
        named: HashSet::new(),
        naming: true,
        emitted: 0,
        errors: Vec::new(),
        sink,
    };
    let mut dirs: Vec<(PathBuf, &PathBuf)> = Vec::new();
    for path in paths {
        match std::fs::metadata(path) {
            Err(e) => d
                .errors
                .push(format!("cannot read {}: {e}", path.display())),
            Ok(meta) if meta.is_dir() => dirs.push((
                std::fs::canonicalize(path).unwrap_or_else(|_| path.clone()),
                path,
            )),
            Ok(_) => d.file(path),
        }
    }
    d.naming = false;
    dirs.sort();
    let mut walked: Vec<&Path> = Vec::new();
    for (canonical, path) in &dirs {
        if walked.iter().any(|w| canonical.starts_with(w)) {
            continue;
        }
        walked.push(canonical);
        let (before, errors) = (d.emitted, d.errors.len());
        d.walk(path);
        if d.emitted == before && d.errors.len() == errors {
            d.errors.push(format!(
                "found no Jitsi config set under {}{} (looked for {PROSODY_AVAIL}/HOST.cfg.lua \
                 with {MEET_DIR}/HOST-config.js, and for {DOCKER_PROSODY}); \
                 name the files themselves to check them alone",
                path.display(),
                hostname.map(|h| format!(" for {h}")).unwrap_or_default()
            ));
        }
    }
    d.errors
}

/// Which hosts of a Debian layout to check.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Pick {
    /// Every host, and the unpaired files alone (a directory was walked).
    All,
    /// Every host (a shared file such as jicofo.conf was named).
    Sets,
    /// This host (its file was named).
    Host(String),
}

struct Discovery<'a> {
    hostname: Option<&'a str>,
    /// What named files handed out (by canonical root and what), so that a walk does not
    /// hand it out again.
    named: HashSet<(PathBuf, String)>,
    /// Units now come from named files.
    naming: bool,
    /// How many units were handed out.
    emitted: usize,
    errors: Vec<String>,
    sink: &'a mut dyn FnMut(Unit),
}

/// `path` joined to `rel`, as a person would type it (no `./` in front).
fn join(base: &Path, rel: &str) -> PathBuf {
    let joined = base.join(rel);
    match joined.strip_prefix(".") {
        Ok(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => joined,
    }
}

fn unit_file(kind: FileKind, path: PathBuf) -> UnitFile {
    UnitFile {
        kind,
        shown: path.display().to_string(),
        path,
        counted: true,
    }
}

impl Discovery<'_> {
    /// Records `what` below `root` as handed out; false when it already was.
    fn first_time(&mut self, root: &Path, what: &str) -> bool {
        if !self.naming && self.named.is_empty() {
            return true;
        }
        let root = if root.as_os_str().is_empty() {
            Path::new(".")
        } else {
            root
        };
        let key = (
            std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf()),
            what.to_string(),
        );
        if self.naming {
            self.named.insert(key)
        } else {
            !self.named.contains(&key)
        }
    }

    fn emit(&mut self, root: &Path, what: &str, unit: Unit) {
        if self.first_time(root, what) {
            self.emitted += 1;
            (self.sink)(unit);
        }
    }

    fn walk(&mut self, dir: &Path) {
        let debian = dir.join(PROSODY_AVAIL).is_dir();
        let docker = dir.join(DOCKER_PROSODY).is_file();
        if debian {
            self.debian_root(dir, Pick::All);
        }
        if docker {
            self.docker_root(dir);
        }
        let entries = match std::fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) => {
                self.errors
                    .push(format!("cannot read the directory {}: {e}", dir.display()));
                return;
            }
        };
        for entry in entries.flatten() {
            // Links to directories are not followed: a tree is walked once.
            if !entry.file_type().is_ok_and(|t| t.is_dir()) {
                continue;
            }
            let name = entry.file_name();
            let skip = match name.to_str() {
                Some(".git" | "node_modules") => true,
                Some("etc") => debian,
                Some("prosody" | "web" | "jicofo") => docker,
                _ => false,
            } || is_virtual_fs(&entry.path())
                || entry.path().ends_with(STATE_DIR);
            if !skip {
                self.walk(&join(dir, &name.to_string_lossy()));
            }
        }
    }

    /// The hosts of a Debian layout below `root` (those `pick` chooses), each a config set;
    /// with [`Pick::All`], the files of the layout that belong to no host are checked alone,
    /// without host rules. Returns how many sets matched.
    fn debian_root(&mut self, root: &Path, pick: Pick) -> usize {
        let list = |dir: &str, suffix: &str| -> Vec<String> {
            let mut names: Vec<String> = std::fs::read_dir(root.join(dir))
                .into_iter()
                .flatten()
                .flatten()
                .filter(|e| e.file_type().is_ok_and(|t| !t.is_dir()))
                .filter_map(|e| {
                    e.file_name()
                        .to_str()?
                        .strip_suffix(suffix)
                        .map(String::from)
                })
                .collect();
            names.sort();
            names
        };
        let prosody = list(PROSODY_AVAIL, ".cfg.lua");
        let meet = list(MEET_DIR, "-config.js");
        let mut hosts: Vec<&String> = meet.iter().filter(|h| prosody.contains(h)).collect();
        // A Prosody-only machine (the web server elsewhere): its one host, as install decides.
        if hosts.is_empty() && meet.is_empty() && prosody.len() == 1 {
            hosts.push(&prosody[0]);
        }
        let only = match &pick {
            Pick::Host(h) => Some(h.as_str()),
            Pick::All | Pick::Sets => self.hostname,
        };
        let jicofo = join(root, JICOFO_CONF);
        let sip = jicofo.with_file_name(SIP_PROPERTIES);
        let mut shared: Vec<UnitFile> = [(FileKind::Jicofo, jicofo), (FileKind::Sip, sip)]
            .into_iter()
            .filter(|(_, p)| p.is_file())
            .map(|(k, p)| unit_file(k, p))
            .collect();
        let mut shared_counted = false;
        let prosody_path = |h: &str| join(root, &format!("{PROSODY_AVAIL}/{h}.cfg.lua"));
        let meet_path = |h: &str| join(root, &format!("{MEET_DIR}/{h}-config.js"));
        let mut matched = 0;
        for host in hosts
            .iter()
            .filter(|h| only.is_none_or(|o| o == h.as_str()))
        {
            matched += 1;
            let mut files = vec![unit_file(FileKind::Prosody, prosody_path(host))];
            if meet.contains(host) {
                files.push(unit_file(FileKind::Meet, meet_path(host)));
            }
            if !shared_counted {
                shared_counted = true;
                let first = self.first_time(root, "debian-shared");
                shared.iter_mut().for_each(|f| f.counted = first);
                files.extend(shared.iter().cloned());
                shared.iter_mut().for_each(|f| f.counted = false);
            } else {
                files.extend(shared.iter().cloned());
            }
            self.emit(
                root,
                &format!("debian:{host}"),
                Unit {
                    files,
                    host: HostHint::Known(host.to_string()),
                    whole_set: true,
                    live: None,
                },
            );
        }
        if pick != Pick::All || only.is_some() {
            return matched;
        }
        let in_set = |h: &String| hosts.contains(&h);
        let unpaired = prosody
            .iter()
            .filter(|h| !in_set(h))
            .map(|h| unit_file(FileKind::Prosody, prosody_path(h)))
            .chain(
                meet.iter()
                    .filter(|h| !in_set(h))
                    .map(|h| unit_file(FileKind::Meet, meet_path(h))),
            )
            .chain(shared.iter().filter(|_| hosts.is_empty()).cloned());
        for file in unpaired.collect::<Vec<_>>() {
            self.lone(file, HostHint::None);
        }
        matched
    }

    fn docker_root(&mut self, root: &Path) {
        let files: Vec<UnitFile> = [
            (FileKind::Prosody, DOCKER_PROSODY),
            (FileKind::Meet, DOCKER_MEET),
            (FileKind::Jicofo, DOCKER_JICOFO),
            (FileKind::Sip, "jicofo/sip-communicator.properties"),
        ]
        .into_iter()
        .map(|(k, rel)| (k, join(root, rel)))
        .filter(|(_, p)| p.is_file())
        .map(|(k, p)| unit_file(k, p))
        .collect();
        let host = match self.hostname {
            Some(h) => HostHint::Known(h.to_string()),
            None => HostHint::Detect,
        };
        self.emit(
            root,
            "docker",
            Unit {
                files,
                host,
                whole_set: true,
                live: None,
            },
        );
    }

    fn lone(&mut self, file: UnitFile, host: HostHint) {
        let path = file.path.clone();
        self.emit(
            &path,
            "",
            Unit {
                files: vec![file],
                host,
                whole_set: false,
                live: None,
            },
        );
    }

    /// A file named on the command line: checked with its set when it belongs to one.
    fn file(&mut self, path: &Path) {
        if let Some((root, host)) = debian_member(path)
            && root.join(PROSODY_AVAIL).is_dir()
        {
            let pick = host.map_or(Pick::Sets, Pick::Host);
            if self.debian_root(&root, pick) > 0 {
                return;
            }
        }
        if let Some(root) = docker_member(path)
            && root.join(DOCKER_PROSODY).is_file()
        {
            self.docker_root(&root);
            return;
        }
        let Some(kind) = kind_of(path) else {
            self.errors.push(format!(
                "{}: not a file check knows (*.cfg.lua, *config.js, *.conf, {SIP_PROPERTIES})",
                path.display()
            ));
            return;
        };
        let host = match self.hostname {
            Some(h) => HostHint::Known(h.to_string()),
            None => HostHint::Detect,
        };
        self.lone(unit_file(kind, path.to_path_buf()), host);
    }
}

/// The kind of a lone file, by its name.
pub fn kind_of(path: &Path) -> Option<FileKind> {
    let name = path.file_name()?.to_str()?;
    if name.ends_with(".cfg.lua") {
        Some(FileKind::Prosody)
    } else if name == "config.js" || name.ends_with("-config.js") {
        Some(FileKind::Meet)
    } else if name.ends_with(".conf") || name.ends_with(".hocon") {
        Some(FileKind::Jicofo)
    } else if name == SIP_PROPERTIES {
        Some(FileKind::Sip)
    } else {
        None
    }
}

/// `(R, Some(HOST))` for `R/etc/prosody/conf.avail/HOST.cfg.lua` or `R/etc/jitsi/meet/HOST-config.js`,
/// `(R, None)` for `R/etc/jitsi/jicofo/{jicofo.conf,sip-communicator.properties}`.
fn debian_member(path: &Path) -> Option<(PathBuf, Option<String>)> {
    let name = path.file_name()?.to_str()?;
    let dir = path.parent()?;
    let (layout_dir, host) = if let Some(h) = name.strip_suffix(".cfg.lua") {
        (PROSODY_AVAIL, Some(h.to_string()))
    } else if let Some(h) = name.strip_suffix("-config.js") {
        (MEET_DIR, Some(h.to_string()))
    } else if name == "jicofo.conf" || name == SIP_PROPERTIES {
        (Path::new(JICOFO_CONF).parent()?.to_str()?, None)
    } else {
        return None;
    };
    if host
        .as_deref()
        .is_some_and(|h| layout::validate_hostname(h).is_err())
    {
        return None;
    }
    strip_suffix_dirs(dir, layout_dir).map(|root| (root, host))
}

/// `R` for a file of the docker layout below `R`.
fn docker_member(path: &Path) -> Option<PathBuf> {
    for rel in [
        DOCKER_PROSODY,
        DOCKER_MEET,
        DOCKER_JICOFO,
        "jicofo/sip-communicator.properties",
    ] {
        let rel = Path::new(rel);
        if path.ends_with(rel) {
            let mut root = path.to_path_buf();
            for _ in rel.components() {
                root.pop();
            }
            return Some(root);
        }
    }
    None
}

/// `R` when `dir` is `R/suffix`.
fn strip_suffix_dirs(dir: &Path, suffix: &str) -> Option<PathBuf> {
    let suffix = Path::new(suffix);
    if !dir.ends_with(suffix) {
        return None;
    }
    let mut root = dir.to_path_buf();
    for _ in suffix.components() {
        root.pop();
    }
    Some(root)
}

/// `/proc`, `/sys` and `/dev` hold no configuration, and walking them never ends well. (Nor is
/// jitsi-tokens' own state directory walked: its backups are copies of a layout.)
fn is_virtual_fs(path: &Path) -> bool {
    [OsStr::new("/proc"), OsStr::new("/sys"), OsStr::new("/dev")].contains(&path.as_os_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_of_layouts() {
        let (root, host) = debian_member(Path::new(
            "repo/etc/prosody/conf.avail/meet.example.org.cfg.lua",
        ))
        .unwrap();
        assert_eq!(root, Path::new("repo"));
        assert_eq!(host.as_deref(), Some("meet.example.org"));
        let (root, host) = debian_member(Path::new("etc/jitsi/jicofo/jicofo.conf")).unwrap();
        assert_eq!(root, Path::new(""));
        assert_eq!(host, None);
        assert!(debian_member(Path::new("x/jitsi-meet.cfg.lua")).is_none());
        assert_eq!(
            docker_member(Path::new("/srv/cfg/web/config.js")).unwrap(),
            Path::new("/srv/cfg")
        );
        assert_eq!(kind_of(Path::new("a/b.cfg.lua")), Some(FileKind::Prosody));
        assert_eq!(kind_of(Path::new("jicofo.conf")), Some(FileKind::Jicofo));
        assert_eq!(kind_of(Path::new("notes.txt")), None);
        assert_eq!(join(Path::new("."), "etc/x"), Path::new("etc/x"));
    }
}
