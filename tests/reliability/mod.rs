//! Helpers of the reliability harness (issue 6): a seeded random generator, snapshots of a root
//! with owner, group and mode, scans for leftovers, round counts from the environment, and the
//! figures each run reports.
//!
//! Every harness prints its seed; `JT_SEED=N` replays a run. Round counts have a CI default and
//! an environment override for the long rounds documented in RELIABILITY.md.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// splitmix64: small, fast, and good enough to pick mutations and kill times.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// Seeded from `JT_SEED` when set, else from the clock; the seed is printed for replay.
    pub fn from_env(what: &str) -> Self {
        let seed = std::env::var("JT_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
            });
        eprintln!("{what}: seed {seed} (replay with JT_SEED={seed})");
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    pub fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A count from the environment (`JT_...`), or the CI default.
pub fn rounds(var: &str, default: usize) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

/// Appends a line of figures to `target/reliability/NAME.txt` and prints it, so the latest
/// run's numbers can be copied into RELIABILITY.md.
pub fn report(name: &str, text: &str) {
    eprintln!("{name}: {text}");
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/reliability");
    let _ = fs::create_dir_all(&dir);
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let line = format!("{stamp} [{profile}] {text}\n");
    use std::io::Write;
    if let Ok(mut f) = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join(format!("{name}.txt")))
    {
        let _ = f.write_all(line.as_bytes());
    }
}

/// One entry of a tree: what it is and its owner, group and mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub kind: Kind,
    pub uid: u32,
    pub gid: u32,
    pub mode: u32,
}

#[derive(Clone, PartialEq, Eq)]
pub enum Kind {
    Dir,
    File(Vec<u8>),
    Link(PathBuf),
}

impl std::fmt::Debug for Kind {
    /// Files show their length and first line, not every byte.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Kind::Dir => write!(f, "Dir"),
            Kind::Link(to) => write!(f, "Link({})", to.display()),
            Kind::File(b) => {
                let first = b.split(|&c| c == b'\n').next().unwrap_or_default();
                let first = String::from_utf8_lossy(&first[..first.len().min(60)]);
                write!(f, "File({} bytes, {first:?}...)", b.len())
            }
        }
    }
}

/// Everything under a directory, by relative path.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Tree(pub BTreeMap<PathBuf, Entry>);

impl Tree {
    pub fn capture(root: &Path) -> Self {
        let mut tree = Tree::default();
        capture_into(root, Path::new(""), &mut tree);
        tree
    }

    /// Recreates the tree under `root` (which must be empty or missing), owners and modes too.
    pub fn materialize(&self, root: &Path) {
        fs::create_dir_all(root).unwrap();
        for (rel, e) in &self.0 {
            let path = root.join(rel);
            match &e.kind {
                Kind::Dir => fs::create_dir_all(&path).unwrap(),
                Kind::File(bytes) => fs::write(&path, bytes).unwrap(),
                Kind::Link(to) => std::os::unix::fs::symlink(to, &path).unwrap(),
            }
            if !matches!(e.kind, Kind::Link(_)) {
                std::os::unix::fs::lchown(&path, Some(e.uid), Some(e.gid)).unwrap();
                fs::set_permissions(&path, fs::Permissions::from_mode(e.mode)).unwrap();
            }
        }
    }

    pub fn file(&self, rel: &str) -> Option<&[u8]> {
        match &self.0.get(Path::new(rel))?.kind {
            Kind::File(b) => Some(b),
            _ => None,
        }
    }

    pub fn entry(&self, rel: &str) -> Option<&Entry> {
        self.0.get(Path::new(rel))
    }

    /// Paths under `prefix` (relative paths starting with it).
    pub fn under<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = (&'a PathBuf, &'a Entry)> {
        self.0.iter().filter(move |(p, _)| p.starts_with(prefix))
    }
}

fn capture_into(base: &Path, rel: &Path, tree: &mut Tree) {
    let Ok(entries) = fs::read_dir(base.join(rel)) else {
        return;
    };
    let mut names: Vec<_> = entries.flatten().map(|e| e.file_name()).collect();
    names.sort();
    for name in names {
        let rel = rel.join(&name);
        let path = base.join(&rel);
        let Ok(meta) = fs::symlink_metadata(&path) else {
            continue;
        };
        let kind = if meta.file_type().is_symlink() {
            Kind::Link(fs::read_link(&path).unwrap())
        } else if meta.is_dir() {
            Kind::Dir
        } else {
            match fs::read(&path) {
                Ok(b) => Kind::File(b),
                Err(_) => continue,
            }
        };
        let is_dir = kind == Kind::Dir;
        tree.0.insert(
            rel.clone(),
            Entry {
                kind,
                uid: meta.uid(),
                gid: meta.gid(),
                mode: meta.mode() & 0o7777,
            },
        );
        if is_dir {
            capture_into(base, &rel, tree);
        }
    }
}

/// Names a run of jitsi-tokens may leave behind when killed: its temporary files, a state file
/// being written, a backup directory being filled.
pub fn is_leftover(name: &str) -> bool {
    name.contains(".jitsi-tokens-")
        || name.ends_with(".tmp")
        || name.ends_with(".new")
        || name.ends_with(".partial")
}

/// Whether the last component of `path` is a leftover name.
pub fn leftovers_name(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| is_leftover(&n.to_string_lossy()))
}

/// Every leftover under `root`.
pub fn leftovers(root: &Path) -> Vec<PathBuf> {
    Tree::capture(root)
        .0
        .into_keys()
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| is_leftover(&n.to_string_lossy()))
        })
        .collect()
}

/// The three target files of the stock host, relative to the root.
pub fn targets(host: &str) -> [String; 3] {
    [
        format!("etc/prosody/conf.avail/{host}.cfg.lua"),
        format!("etc/jitsi/meet/{host}-config.js"),
        "etc/jitsi/jicofo/jicofo.conf".to_string(),
    ]
}

/// Parses the three texts with the project's own parsers; the error names the file.
pub fn parse_ours(prosody: &str, meet: &str, jicofo: &str) -> Result<(), String> {
    jitsi_tokens::jitsi::prosody::ProsodyConfig::parse(prosody)
        .map_err(|e| format!("prosody: {e}"))?;
    jitsi_tokens::jitsi::meet::MeetConfig::parse(meet).map_err(|e| format!("config.js: {e}"))?;
    jitsi_tokens::document::hocon::parse(jicofo).map_err(|e| format!("jicofo.conf: {e}"))?;
    Ok(())
}

/// Milliseconds, for reports.
pub fn ms(d: std::time::Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// Sorted durations' percentile.
pub fn percentile(sorted: &[std::time::Duration], p: f64) -> std::time::Duration {
    if sorted.is_empty() {
        return std::time::Duration::ZERO;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i]
}

/// Runs `cmd` to the end and asserts it exited 0, showing its stderr when not.
pub fn run_ok(cmd: &mut std::process::Command) -> std::process::Output {
    let out = cmd.output().expect("the command runs");
    assert!(
        out.status.success(),
        "{:?} failed ({}): {}",
        cmd.get_program(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// True when the harness runs as root (mounts, chown to other users).
pub fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

/// Says why a privileged test is skipped; CI runs as root, where it never is.
pub fn root_or_note(test: &str) -> bool {
    if !is_root() {
        eprintln!("NOTE: {test}: needs root (mounts, other owners); not run");
    }
    is_root()
}
