//! Files under a root prefix: resolving paths (symlinks included) without leaving the root,
//! reading text, writing atomically with the original owner, group and mode, and backups.
//!
//! Writes follow the pattern dpkg and uv use: a temporary file in the target's own directory,
//! created exclusively (`O_EXCL | O_NOFOLLOW`, mode 0600), written, given the original's owner,
//! group and mode, fsynced, renamed over the target, and the directory fsynced. A crash leaves
//! either the old file or the new one, never a mix.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use anyhow::{Context, Result, anyhow, bail};
use nix::unistd::{Gid, Uid};

/// A directory treated as `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Root {
    path: PathBuf,
}

/// Owner, group and permission bits of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileMeta {
    pub uid: u32,
    pub gid: u32,
    pub mode: u32,
}

impl FileMeta {
    pub fn of(meta: &fs::Metadata) -> Self {
        FileMeta {
            uid: meta.uid(),
            gid: meta.gid(),
            mode: meta.mode() & 0o7777,
        }
    }

    pub fn world_readable(&self) -> bool {
        self.mode & 0o004 != 0
    }
}

impl Root {
    /// `path` must be an existing directory.
    pub fn new(path: &Path) -> Result<Self> {
        let canonical = fs::canonicalize(path)
            .with_context(|| format!("cannot use {} as the root directory", path.display()))?;
        if !canonical.is_dir() {
            bail!("{} is not a directory", path.display());
        }
        Ok(Root { path: canonical })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// True when this root is the machine's own `/`.
    pub fn is_system_root(&self) -> bool {
        self.path == Path::new("/")
    }

    /// `rel` (a path such as `etc/prosody/...`) under the root, without resolving links.
    pub fn join(&self, rel: &Path) -> PathBuf {
        self.path.join(rel.strip_prefix("/").unwrap_or(rel))
    }

    /// How to show `rel` to a person: the absolute path they would type.
    pub fn display(&self, rel: &Path) -> String {
        self.join(rel).display().to_string()
    }

    /// Follows every symlink on the way to `rel` the way the system mounted at this root
    /// would: absolute link targets start again at the root, and a link that climbs above the
    /// root is refused. Returns the real path of the final file.
    pub fn resolve(&self, rel: &Path) -> Result<PathBuf> {
        let mut todo: VecDeque<OsString> = VecDeque::new();
        push_components(&mut todo, rel, true)?;
        let mut current = self.path.clone();
        let mut hops = 0;
        while let Some(part) = todo.pop_front() {
            if part == ".." {
                if current == self.path {
                    if self.is_system_root() {
                        continue;
                    }
                    bail!(
                        "{} leads outside {} through a symbolic link; refusing to follow it",
                        self.display(rel),
                        self.path.display()
                    );
                }
                current.pop();
                continue;
            }
            let next = current.join(&part);
            match fs::symlink_metadata(&next) {
                Ok(meta) if meta.file_type().is_symlink() => {
                    hops += 1;
                    if hops > 40 {
                        bail!("{}: too many levels of symbolic links", self.display(rel));
                    }
                    let target = fs::read_link(&next)?;
                    let mut rest: VecDeque<OsString> = VecDeque::new();
                    if target.is_absolute() {
                        current = self.path.clone();
                    }
                    push_components(&mut rest, &target, target.is_absolute())?;
                    rest.extend(todo.drain(..));
                    todo = rest;
                }
                _ => current = next,
            }
        }
        Ok(current)
    }

    /// Refuses `path` (a real path under the root, existing or to be created) when the part of
    /// it that exists leads outside the root through a symbolic link, which the kernel would
    /// follow when writing there. A dangling link is refused too.
    pub fn ensure_inside(&self, path: &Path) -> Result<()> {
        let mut existing = path;
        while fs::symlink_metadata(existing).is_err() {
            match existing.parent() {
                Some(parent) => existing = parent,
                None => break,
            }
        }
        let real = fs::canonicalize(existing).ok();
        if real.as_ref().is_some_and(|r| r.starts_with(&self.path)) {
            return Ok(());
        }
        bail!(
            "{} leads outside {} through a symbolic link ({}); refusing to write there",
            path.display(),
            self.path.display(),
            match &real {
                Some(r) => format!("to {}", r.display()),
                None => format!("{} is a dangling link", existing.display()),
            }
        )
    }

    /// The directory holding jitsi-tokens' own state, lock and backups.
    pub fn state_dir(&self) -> PathBuf {
        self.join(Path::new(STATE_DIR))
    }
}

/// Where jitsi-tokens keeps its state under a root.
pub const STATE_DIR: &str = "var/lib/jitsi-tokens";

fn push_components(out: &mut VecDeque<OsString>, path: &Path, allow_root: bool) -> Result<()> {
    for c in path.components() {
        match c {
            Component::RootDir if allow_root => {}
            Component::RootDir | Component::Prefix(_) => {
                bail!("unexpected path {}", path.display())
            }
            Component::CurDir => {}
            Component::ParentDir => out.push_back("..".into()),
            Component::Normal(n) => out.push_back(n.to_os_string()),
        }
    }
    Ok(())
}

/// The largest configuration file read: the biggest Jitsi file, config.js, is under 100 kB.
/// A larger file is refused before parsing, whose memory grows with the text (a 50 MB Prosody
/// file took 750 MB; at this limit the worst text measured, 1 MiB of HOCON fields, peaks at
/// 200 MB, and the Lua layer has a lower limit of its own).
pub const MAX_TEXT: u64 = 1 << 20;

/// Reads a text file; a file that is not UTF-8 is an error naming the first bad byte, one over
/// [`MAX_TEXT`] an error saying so.
pub fn read_text(path: &Path) -> Result<(String, FileMeta)> {
    use std::io::Read;
    let mut bytes = Vec::new();
    File::open(path)
        .and_then(|f| f.take(MAX_TEXT + 1).read_to_end(&mut bytes))
        .with_context(|| format!("cannot read {}", path.display()))?;
    if bytes.len() as u64 > MAX_TEXT {
        bail!(
            "{} is larger than {} MiB, far more than any Jitsi configuration file; is this the right file?",
            path.display(),
            MAX_TEXT >> 20
        );
    }
    let meta = FileMeta::of(&fs::metadata(path)?);
    match String::from_utf8(bytes) {
        Ok(text) => Ok((text, meta)),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(&e.into_bytes()[..at]).into_owned();
            let (line, column) = crate::document::text::line_col(&text, at);
            Err(anyhow!(
                "{}:{line}:{column}: not UTF-8 text (byte {at}); is this the right file?",
                path.display()
            ))
        }
    }
}

static TEMP_COUNTER: AtomicU32 = AtomicU32::new(0);

/// Debug builds only: pauses `JITSI_TOKENS_STEP_DELAY_US` microseconds at each step of a write
/// (create, write, metadata, fsync, rename), so the crash tests can kill a run inside every step
/// rather than only where the time happens to go. Release builds ignore it.
pub fn step() {
    #[cfg(debug_assertions)]
    {
        static DELAY: std::sync::OnceLock<Option<std::time::Duration>> = std::sync::OnceLock::new();
        let delay = DELAY.get_or_init(|| {
            std::env::var("JITSI_TOKENS_STEP_DELAY_US")
                .ok()
                .and_then(|v| v.parse().ok())
                .map(std::time::Duration::from_micros)
        });
        if let Some(delay) = delay {
            std::thread::sleep(*delay);
        }
    }
}

/// Creates `path` exclusively: never follows or reuses something planted there.
fn create_exclusive(path: &Path, mode: u32) -> io::Result<File> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .custom_flags(libc_flags())
        .open(path)
}

fn libc_flags() -> i32 {
    nix::fcntl::OFlag::O_NOFOLLOW.bits() | nix::fcntl::OFlag::O_CLOEXEC.bits()
}

/// Gives an open file the owner, group and mode in `meta` (owner and group only when they
/// differ from ours, so unprivileged test runs work).
fn set_meta(file: &File, meta: FileMeta) -> Result<()> {
    let (uid, gid) = (
        nix::unistd::geteuid().as_raw(),
        nix::unistd::getegid().as_raw(),
    );
    if meta.uid != uid || meta.gid != gid {
        nix::unistd::fchown(
            file,
            Some(Uid::from_raw(meta.uid)),
            Some(Gid::from_raw(meta.gid)),
        )
        .context("cannot keep the file's owner and group")?;
    }
    file.set_permissions(fs::Permissions::from_mode(meta.mode))?;
    Ok(())
}

/// Replaces the file at the real path `target` with `bytes` atomically, with `meta`.
pub fn write_atomic(target: &Path, bytes: &[u8], meta: FileMeta) -> Result<()> {
    let dir = target
        .parent()
        .ok_or_else(|| anyhow!("{} has no directory", target.display()))?;
    let name = target
        .file_name()
        .ok_or_else(|| anyhow!("{} has no file name", target.display()))?
        .to_string_lossy();
    let temp = dir.join(format!(
        ".{name}.jitsi-tokens-{}-{}.tmp",
        std::process::id(),
        TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| -> Result<()> {
        let mut file = create_exclusive(&temp, 0o600)
            .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
        step();
        file.write_all(bytes)
            .with_context(|| format!("cannot write {}", temp.display()))?;
        step();
        set_meta(&file, meta)?;
        step();
        file.sync_all()
            .with_context(|| format!("cannot flush {} to disk", temp.display()))?;
        drop(file);
        step();
        fs::rename(&temp, target)
            .with_context(|| format!("cannot replace {}", target.display()))?;
        step();
        sync_dir(dir)?;
        step();
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result.with_context(|| format!("{} was not changed", target.display()))
}

/// Flushes `dir` itself, so that names created or renamed in it survive a power loss.
pub fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .with_context(|| format!("cannot flush the directory {} to disk", dir.display()))
}

/// Creates `dir` and its parents with mode 0700 where they are missing.
pub fn create_private_dir(dir: &Path) -> Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .with_context(|| format!("cannot create {}", dir.display()))
}

/// Writes a new file exclusively (it must not exist), with `meta`, and fsyncs it.
pub fn write_new(path: &Path, bytes: &[u8], meta: FileMeta) -> Result<()> {
    let mut file = create_exclusive(path, 0o600)
        .with_context(|| format!("cannot create {}", path.display()))?;
    step();
    file.write_all(bytes)
        .with_context(|| format!("cannot write {}", path.display()))?;
    step();
    set_meta(&file, meta)?;
    step();
    file.sync_all()
        .with_context(|| format!("cannot flush {} to disk", path.display()))?;
    step();
    Ok(())
}

/// The gid of group `name` in the root's `/etc/group`, if it is there.
pub fn group_id(root: &Root, name: &str) -> Option<u32> {
    let text = fs::read_to_string(root.join(Path::new("etc/group"))).ok()?;
    text.lines().find_map(|line| {
        let mut fields = line.split(':');
        (fields.next()? == name).then_some(())?;
        fields.nth(1)?.parse().ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn resolves_links_inside_the_root_and_refuses_escapes() {
        let dir = tempfile::tempdir().unwrap();
        let root = Root::new(dir.path()).unwrap();
        fs::create_dir_all(root.join(Path::new("etc/prosody/conf.avail"))).unwrap();
        fs::create_dir_all(root.join(Path::new("etc/prosody/conf.d"))).unwrap();
        fs::write(
            root.join(Path::new("etc/prosody/conf.avail/h.cfg.lua")),
            "x",
        )
        .unwrap();
        symlink(
            "/etc/prosody/conf.avail/h.cfg.lua",
            root.join(Path::new("etc/prosody/conf.d/h.cfg.lua")),
        )
        .unwrap();
        let real = root
            .resolve(Path::new("etc/prosody/conf.d/h.cfg.lua"))
            .unwrap();
        assert_eq!(
            real,
            root.join(Path::new("etc/prosody/conf.avail/h.cfg.lua"))
        );
        symlink(
            "../../../../outside",
            root.join(Path::new("etc/prosody/conf.d/bad.cfg.lua")),
        )
        .unwrap();
        let err = root
            .resolve(Path::new("etc/prosody/conf.d/bad.cfg.lua"))
            .unwrap_err();
        assert!(err.to_string().contains("outside"), "{err}");
    }

    #[test]
    fn state_paths_through_links_out_of_the_root_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let outside = dir.path().join("outside");
        fs::create_dir(&outside).unwrap();
        fs::create_dir_all(dir.path().join("root/var")).unwrap();
        let root = Root::new(&dir.path().join("root")).unwrap();
        let state = root.state_dir();
        root.ensure_inside(&state).unwrap();
        symlink(&outside, root.join(Path::new("var/lib"))).unwrap();
        let err = root.ensure_inside(&state).unwrap_err().to_string();
        assert!(err.contains("outside"), "{err}");
        fs::remove_file(root.join(Path::new("var/lib"))).unwrap();
        symlink("/nonexistent/x", root.join(Path::new("var/lib"))).unwrap();
        assert!(root.ensure_inside(&state).is_err());
        fs::remove_file(root.join(Path::new("var/lib"))).unwrap();
        fs::create_dir_all(root.join(Path::new("srv/lib"))).unwrap();
        symlink("../srv/lib", root.join(Path::new("var/lib"))).unwrap();
        root.ensure_inside(&state).unwrap();
    }

    #[test]
    fn atomic_write_keeps_mode_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        fs::write(&path, "old").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        let meta = FileMeta::of(&fs::metadata(&path).unwrap());
        write_atomic(&path, b"new", meta).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(fs::metadata(&path).unwrap().mode() & 0o777, 0o640);
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    /// Regression (issue 6): a 50 MB Prosody file was parsed, with 750 MB of memory.
    #[test]
    fn a_huge_file_is_refused_before_it_is_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let file = File::create(&path).unwrap();
        file.set_len(MAX_TEXT + 1).unwrap();
        let err = read_text(&path).unwrap_err().to_string();
        assert!(err.contains("larger than 1 MiB"), "{err}");
        file.set_len(MAX_TEXT).unwrap();
        assert!(read_text(&path).is_ok());
    }

    #[test]
    fn non_utf8_is_reported_with_a_position() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        fs::write(&path, b"ok\nab\xff").unwrap();
        let err = read_text(&path).unwrap_err().to_string();
        assert!(err.contains(":2:3: not UTF-8"), "{err}");
    }
}
