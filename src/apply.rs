//! Turning a plan into files: back up, write atomically, validate what is on disk, restart,
//! and roll every file back byte for byte if any step fails.
//!
//! The caller holds the run lock ([`crate::system::lock`]) for the whole sequence.

use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow};

use crate::failure::Failure;
use crate::jitsi::layout::{HostFiles, Role, SERVICES};
use crate::plan::{Names, Plan, Sources};
use crate::system::fs::{self, FileMeta, Root};
use crate::system::services::Restarter;

/// One of the three files, located.
#[derive(Debug, Clone)]
pub struct Target {
    pub role: Role,
    /// The path under the root as Jitsi names it (`etc/prosody/conf.avail/HOST.cfg.lua`).
    pub rel: PathBuf,
    /// The real file, symlinks followed inside the root.
    pub real: PathBuf,
    pub meta: FileMeta,
}

/// The three files, read.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub targets: Vec<Target>,
    pub sources: Sources,
    pub names: Names,
}

/// Locates and reads the host's three files. Anything missing or unreadable is an input error
/// (exit 2) naming the path.
pub fn load(root: &Root, files: &HostFiles) -> Result<Loaded, Failure> {
    let mut targets = Vec::new();
    let mut texts = Vec::new();
    for role in [Role::Prosody, Role::Meet, Role::Jicofo] {
        let rel = files.path(role).to_path_buf();
        let shown = root.display(&rel);
        let real = root.resolve(&rel).map_err(Failure::input)?;
        if !real.exists() {
            return Err(crate::input!(
                "{shown} does not exist; is {} the right host{}?",
                files.hostname,
                if root.is_system_root() {
                    ""
                } else {
                    " and --root the right directory"
                }
            ));
        }
        if !real.is_file() {
            return Err(crate::input!("{shown} is not a regular file"));
        }
        let (text, meta) = fs::read_text(&real).map_err(Failure::input)?;
        texts.push(text);
        targets.push(Target {
            role,
            rel,
            real,
            meta,
        });
    }
    let jicofo = texts.pop().expect("three files");
    let meet = texts.pop().expect("three files");
    let prosody = texts.pop().expect("three files");
    let name = |i: usize| root.display(&targets[i].rel);
    let names = Names {
        prosody: name(0),
        meet: name(1),
        jicofo: name(2),
    };
    Ok(Loaded {
        targets,
        sources: Sources {
            prosody,
            meet,
            jicofo,
        },
        names,
    })
}

/// A permission change made so the secret is not world-readable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tightened {
    pub path: String,
    pub from: FileMeta,
    pub to: FileMeta,
    pub group_name: Option<String>,
}

/// What [`apply`] did.
#[derive(Debug, Clone, Default)]
pub struct Applied {
    pub written: Vec<Role>,
    pub backup_dir: Option<PathBuf>,
    pub tightened: Option<Tightened>,
    pub restarted: Vec<String>,
    /// Why services were not restarted, when they needed to be.
    pub restart_skipped: Option<String>,
}

/// The metadata the Prosody file (which holds the secret) must have: no permission bits for
/// others, and Prosody's group when the file belonged to root's group, so Prosody can still
/// read it.
pub fn secret_file_meta(root: &Root, meta: FileMeta) -> (FileMeta, Option<String>) {
    if !meta.world_readable() && meta.mode & 0o007 == 0 {
        return (meta, None);
    }
    let mut to = FileMeta {
        mode: meta.mode & !0o007,
        ..meta
    };
    let mut group_name = None;
    if meta.gid == 0
        && let Some(gid) = fs::group_id(root, "prosody")
    {
        to.gid = gid;
        to.mode |= 0o040;
        group_name = Some("prosody".to_string());
    }
    (to, group_name)
}

/// Debug builds only: fail after this many file writes (tests of the rollback path).
fn injected_failure_after() -> Option<usize> {
    if cfg!(debug_assertions) {
        std::env::var("JITSI_TOKENS_FAIL_AFTER_WRITES")
            .ok()
            .and_then(|v| v.parse().ok())
    } else {
        None
    }
}

/// Writes the plan, validates the files on disk with `validate`, restarts, and rolls back on any
/// failure. `validate` returns the unmet requirements of the given texts. The Prosody file,
/// which holds the secret install writes, is tightened when others may read it.
pub fn apply(
    root: &Root,
    loaded: &Loaded,
    plan: &Plan,
    validate: &dyn Fn(&Sources) -> Result<Vec<String>, Failure>,
    restarter: &mut Restarter,
) -> Result<Applied, Failure> {
    apply_plan(root, loaded, plan, validate, restarter, true)
}

/// [`apply`] for uninstall: it reverts text and never changes a file's owner, group or mode, so
/// a revert with nothing to do writes nothing.
pub fn apply_revert(
    root: &Root,
    loaded: &Loaded,
    plan: &Plan,
    validate: &dyn Fn(&Sources) -> Result<Vec<String>, Failure>,
    restarter: &mut Restarter,
) -> Result<Applied, Failure> {
    apply_plan(root, loaded, plan, validate, restarter, false)
}

fn apply_plan(
    root: &Root,
    loaded: &Loaded,
    plan: &Plan,
    validate: &dyn Fn(&Sources) -> Result<Vec<String>, Failure>,
    restarter: &mut Restarter,
    tighten: bool,
) -> Result<Applied, Failure> {
    let mut applied = Applied::default();
    remove_stale_files(root, loaded);
    let mut metas: Vec<FileMeta> = loaded.targets.iter().map(|t| t.meta).collect();
    let (secret_meta, group_name) = secret_file_meta(root, metas[0]);
    if tighten && secret_meta != metas[0] {
        applied.tightened = Some(Tightened {
            path: root.display(&loaded.targets[0].rel),
            from: metas[0],
            to: secret_meta,
            group_name,
        });
        metas[0] = secret_meta;
    }
    let to_write: Vec<usize> = (0..3)
        .filter(|&i| plan.files[i].changed() || metas[i] != loaded.targets[i].meta)
        .collect();
    if to_write.is_empty() {
        return Ok(applied);
    }
    applied.backup_dir = Some(backup(root, loaded, &to_write)?);
    let fail_after = injected_failure_after();
    for &i in &to_write {
        if fail_after == Some(applied.written.len()) {
            let error = anyhow!(
                "injected failure before writing {}",
                loaded.names.of(plan.files[i].role)
            );
            return Err(rollback(loaded, &applied.written, error));
        }
        let target = &loaded.targets[i];
        if let Err(e) = fs::write_atomic(&target.real, plan.files[i].after.as_bytes(), metas[i]) {
            return Err(rollback(loaded, &applied.written, e));
        }
        applied.written.push(target.role);
    }
    // Validate what is on disk now, not what we meant to write.
    let reread = read_back(loaded).and_then(|sources| validate(&sources));
    match reread {
        Ok(unmet) if unmet.is_empty() => {}
        Ok(unmet) => {
            let error = anyhow!(
                "the written files do not meet token authentication's requirements:\n  {}",
                unmet.join("\n  ")
            );
            return Err(rollback(loaded, &applied.written, error));
        }
        Err(e) => return Err(rollback(loaded, &applied.written, e.error)),
    }
    if !plan.changed() {
        // Only permissions changed: nothing for the services to reload.
        return Ok(applied);
    }
    match restarter {
        Restarter::Skip(reason) => applied.restart_skipped = Some(reason.clone()),
        Restarter::Run(services) => {
            for unit in SERVICES {
                if let Err(e) = services.restart(unit) {
                    let failure = rollback(loaded, &applied.written, anyhow!(e));
                    // Bring the services back on the restored files (best effort).
                    for unit in SERVICES {
                        let _ = services.restart(unit);
                    }
                    return Err(Failure::failed(anyhow!(
                        "{:#}\nprosody, jicofo and jitsi-videobridge2 were restarted again on the restored files",
                        failure.error
                    )));
                }
                applied.restarted.push(unit.to_string());
            }
        }
    }
    Ok(applied)
}

fn read_back(loaded: &Loaded) -> Result<Sources, Failure> {
    let read = |i: usize| {
        fs::read_text(&loaded.targets[i].real)
            .map(|(text, _)| text)
            .map_err(Failure::failed)
    };
    Ok(Sources {
        prosody: read(0)?,
        meet: read(1)?,
        jicofo: read(2)?,
    })
}

/// Restores every written file to its original bytes and metadata; the error says what failed
/// and that the files are back (or which one could not be restored, and where its backup is).
fn rollback(loaded: &Loaded, written: &[Role], error: anyhow::Error) -> Failure {
    let mut problems = Vec::new();
    for role in written {
        let i = loaded
            .targets
            .iter()
            .position(|t| t.role == *role)
            .expect("written files are targets");
        let target = &loaded.targets[i];
        let original = match role {
            Role::Prosody => &loaded.sources.prosody,
            Role::Meet => &loaded.sources.meet,
            Role::Jicofo => &loaded.sources.jicofo,
        };
        if let Err(e) = fs::write_atomic(&target.real, original.as_bytes(), target.meta) {
            problems.push(format!("{}: {e:#}", loaded.names.of(*role)));
        }
    }
    if problems.is_empty() {
        Failure::failed(anyhow!(
            "{error:#}\nevery file was restored to its previous content; nothing was restarted"
        ))
    } else {
        Failure::failed(anyhow!(
            "{error:#}\nand restoring failed for: {}\nthe backups under /var/lib/jitsi-tokens/backups hold the previous content",
            problems.join("; ")
        ))
    }
}

/// Copies the original of each file about to change to a new backup directory under the root's
/// state directory, with the original owner and group and mode 0600.
///
/// The copies are made in `STAMP.partial/` and the directory is renamed to `STAMP/` once every
/// copy is on disk, so a backup directory without the suffix is always complete; a run killed
/// half-way leaves only a `.partial` directory, which the next run removes.
fn backup(root: &Root, loaded: &Loaded, which: &[usize]) -> Result<PathBuf, Failure> {
    let stamp = backup_stamp();
    let backups = root.state_dir().join("backups");
    let dir = backups.join(&stamp);
    let partial = backups.join(format!("{stamp}{PARTIAL}"));
    let result = (|| -> anyhow::Result<()> {
        root.ensure_inside(&partial)?;
        fs::create_private_dir(&partial)?;
        for &i in which {
            let target = &loaded.targets[i];
            let dest = partial.join(&target.rel);
            fs::create_private_dir(dest.parent().expect("a file path"))?;
            let original = match target.role {
                Role::Prosody => &loaded.sources.prosody,
                Role::Meet => &loaded.sources.meet,
                Role::Jicofo => &loaded.sources.jicofo,
            };
            let meta = FileMeta {
                mode: 0o600,
                ..target.meta
            };
            fs::write_new(&dest, original.as_bytes(), meta)?;
            fs::sync_dir(dest.parent().expect("a file path"))?;
        }
        std::fs::rename(&partial, &dir)
            .with_context(|| format!("cannot rename {} to {}", partial.display(), dir.display()))?;
        fs::step();
        fs::sync_dir(&backups)?;
        Ok(())
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_dir_all(&partial);
        Failure::failed(anyhow!(
            "{e:#}\ncannot back up the files, so nothing was changed"
        ))
    })?;
    Ok(dir)
}

/// The suffix of a backup directory still being filled.
const PARTIAL: &str = ".partial";

/// `20261129T194643.123456Z-1234`: UTC time to the microsecond, then the process id. Names sort
/// in the order runs made them (runs serialise on the lock and each takes far more than a
/// microsecond), so the last name is the latest backup; the process id keeps them unique.
fn backup_stamp() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    stamp_at(now, std::process::id())
}

fn stamp_at(now: std::time::Duration, pid: u32) -> String {
    let secs = now.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}{:02}.{:06}Z-{}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        now.subsec_micros(),
        pid
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// What a killed run may have left (safe to remove: we hold the lock): temporary files next to
/// the targets and next to the state file, and backup directories that were still being filled.
fn remove_stale_files(root: &Root, loaded: &Loaded) {
    let state_dir = root.state_dir();
    let mut places: Vec<(&Path, String)> = vec![(
        &state_dir,
        format!(".{}.jitsi-tokens-", crate::state::STATE_FILE),
    )];
    for target in &loaded.targets {
        let (Some(dir), Some(name)) = (target.real.parent(), target.real.file_name()) else {
            continue;
        };
        places.push((dir, format!(".{}.jitsi-tokens-", name.to_string_lossy())));
    }
    for (dir, prefix) in places {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let file = entry.file_name().to_string_lossy().into_owned();
            if file.starts_with(&prefix) && file.ends_with(".tmp") {
                let _ = std::fs::remove_file(dir.join(&file));
            }
        }
    }
    // State::save's first write goes through `state.toml.new`.
    let _ = std::fs::remove_file(state_dir.join(format!("{}.new", crate::state::STATE_FILE)));
    let backups = state_dir.join("backups");
    if root.ensure_inside(&backups).is_err() {
        return;
    }
    for entry in std::fs::read_dir(&backups).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        if is_dir && name.ends_with(PARTIAL) {
            let _ = std::fs::remove_dir_all(backups.join(&name));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_786), (2026, 11, 29));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }

    /// Regression (issue 6): `...Z-PID-MILLIS` sorted by process id within a second, so the
    /// last backup name was not the latest backup when runs queued on the lock.
    #[test]
    fn backup_names_sort_by_time_whatever_the_process_ids() {
        use std::time::Duration;
        let t = Duration::from_secs(1_795_000_000) + Duration::from_micros(1_500);
        let earlier = stamp_at(t, 90_000);
        let later = stamp_at(t + Duration::from_micros(700), 100);
        assert_eq!(earlier, "20261118T110640.001500Z-90000");
        assert!(earlier < later, "{earlier} should sort before {later}");
    }
}
