//! Crash consistency (issue 6): installs and uninstalls killed with SIGKILL at random moments
//! spread over the whole run. After each kill:
//! - every target file is its old bytes, owner, group and mode, or the complete new file with
//!   its new metadata (the project's parsers accept it; in batches, Prosody's loader, Node.js
//!   and Typesafe Config too);
//! - the state file is absent or readable, and covers every change already on disk; every
//!   finished backup holds the old bytes; earlier backups are untouched;
//! - a rerun exits 0 with exactly the reference result and leaves no temporary file; a further
//!   run changes nothing; uninstall then brings back the original bytes.
//!
//! Kill times are uniform over `[0, 1.15 × median uninterrupted run)`, measured per scenario on
//! this machine, so they land in every phase; where each landed is inferred from the disk and
//! reported. With the debug binary, every other kill runs it with `JITSI_TOKENS_STEP_DELAY_US`
//! (a pause at each step of every write), which stretches the short windows between create,
//! write, fsync and rename so that uniform kill times land inside each of them too.
//! The medians are measured again every 100 runs, as the machine's load drifts. Runs continue
//! until `JT_CRASH_KILLS` (CI default 500) of them were actually killed.

mod common;
mod reliability;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use jitsi_tokens::state::State;
use jitsi_tokens::system::fs::Root;
use reliability::{Kind, Rng, Tree};

const HOST: &str = "meet.example.org";
const STATE: &str = "var/lib/jitsi-tokens/state.toml";
const BACKUPS: &str = "var/lib/jitsi-tokens/backups";

/// One operation on one starting tree, with its uninterrupted result.
struct Scenario {
    name: &'static str,
    before: Tree,
    /// The three targets after an uninterrupted run (relative path -> entry).
    after: Tree,
    /// The three targets before jitsi-tokens ever ran (what uninstall must bring back).
    pristine: [Vec<u8>; 3],
    uninstall: bool,
    secret: PathBuf,
    /// Record keys of the reference state (install only).
    record_keys: BTreeSet<String>,
    median: Duration,
    /// The median with the step delay (debug binary only).
    median_stepped: Option<Duration>,
    /// How many of the three targets the operation changes.
    changes: usize,
}

/// The pause at each write step when a kill uses the step delay.
const STEP_DELAY_US: u64 = 3000;

fn op_command(root: &Path, uninstall: bool, secret: &Path, stepped: bool) -> Command {
    let mut cmd = common::bin();
    if stepped {
        cmd.env("JITSI_TOKENS_STEP_DELAY_US", STEP_DELAY_US.to_string());
    }
    cmd.arg(if uninstall { "uninstall" } else { "install" })
        .arg("--root")
        .arg(root)
        .arg("--no-restart");
    if !uninstall {
        cmd.args([
            "--app-id",
            "crash-app",
            "--non-interactive",
            "--app-secret-file",
        ])
        .arg(secret);
    }
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    cmd
}

fn run_op(root: &Path, uninstall: bool, secret: &Path) -> (i32, String) {
    let out = op_command(root, uninstall, secret, false).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn record_keys(root: &Path) -> BTreeSet<String> {
    State::load(&Root::new(root).unwrap())
        .unwrap()
        .map(|s| {
            s.records
                .iter()
                .map(|r| format!("{:?}/{:?}/{:?}/{}", r.file, r.kind, r.block, r.key))
                .collect()
        })
        .unwrap_or_default()
}

/// The stock host with owners and modes worth preserving: the Prosody file world-readable (so
/// install tightens it to 0640 and Prosody's group), config.js owned by another user.
fn stock_tree(dir: &Path) -> Tree {
    let root = dir.join("stock");
    common::write_stock(&root, HOST);
    common::write(&root, "etc/group", "root:x:0:\nprosody:x:4242:\n");
    let [p, m, j] = reliability::targets(HOST);
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(root.join(&p), std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::set_permissions(root.join(&j), std::fs::Permissions::from_mode(0o640)).unwrap();
    if reliability::is_root() {
        std::os::unix::fs::chown(root.join(&m), Some(33), Some(33)).unwrap();
        std::os::unix::fs::chown(root.join(&j), Some(0), Some(4242)).unwrap();
    }
    Tree::capture(&root)
}

fn targets_of(tree: &Tree) -> Tree {
    let mut t = Tree::default();
    for rel in reliability::targets(HOST) {
        if let Some(e) = tree.entry(&rel) {
            t.0.insert(PathBuf::from(&rel), e.clone());
        }
    }
    t
}

fn build_scenario(
    work: &Path,
    name: &'static str,
    before: Tree,
    pristine: &Tree,
    uninstall: bool,
    secret: PathBuf,
) -> Scenario {
    let mut after = None;
    let mut keys = BTreeSet::new();
    for i in 0..2 {
        let root = work.join(format!("ref-{name}-{i}"));
        before.materialize(&root);
        let (code, err) = run_op(&root, uninstall, &secret);
        assert_eq!(code, 0, "{name}: reference run failed: {err}");
        let result = targets_of(&Tree::capture(&root));
        if !uninstall {
            keys = record_keys(&root);
        }
        if let Some(previous) = &after {
            assert_eq!(previous, &result, "{name}: reference runs differ");
        }
        after = Some(result);
        std::fs::remove_dir_all(&root).unwrap();
    }
    let after = after.unwrap();
    let rels = reliability::targets(HOST);
    let changes = rels
        .iter()
        .filter(|r| before.entry(r) != after.entry(r))
        .count();
    let mut s = Scenario {
        name,
        pristine: rels
            .clone()
            .map(|r| pristine.file(&r).expect("a pristine target").to_vec()),
        before,
        after,
        uninstall,
        secret,
        record_keys: keys,
        median: Duration::ZERO,
        median_stepped: None,
        changes,
    };
    s.measure(work, 7);
    s
}

impl Scenario {
    /// Measures the median uninterrupted run (and with the step delay, debug binary only) over
    /// `n` runs, each checked against the reference result.
    fn measure(&mut self, work: &Path, n: usize) {
        let modes: &[bool] = if cfg!(debug_assertions) {
            &[false, true]
        } else {
            &[false]
        };
        for &stepped in modes {
            let mut durations = Vec::new();
            for i in 0..n {
                let root = work.join(format!("measure-{i}"));
                self.before.materialize(&root);
                let start = Instant::now();
                let out = op_command(&root, self.uninstall, &self.secret, stepped)
                    .output()
                    .unwrap();
                durations.push(start.elapsed());
                assert!(out.status.success(), "{}: reference run failed", self.name);
                assert_eq!(targets_of(&Tree::capture(&root)), self.after);
                std::fs::remove_dir_all(&root).unwrap();
            }
            durations.sort();
            let median = reliability::percentile(&durations, 0.5);
            if stepped {
                self.median_stepped = Some(median);
            } else {
                self.median = median;
            }
        }
    }
}

/// Where a kill landed, judged from the disk.
fn phase(s: &Scenario, killed: &Tree, exited: bool) -> String {
    if exited {
        return "run completed before the kill".into();
    }
    let rels = reliability::targets(HOST);
    let written = rels
        .iter()
        .filter(|r| s.before.entry(r) != s.after.entry(r) && killed.entry(r) == s.after.entry(r))
        .count();
    let temp = killed
        .0
        .keys()
        .any(|p| p.starts_with("etc") && reliability::leftovers_name(p));
    let new_backup = killed
        .under(BACKUPS)
        .any(|(p, _)| !s.before.0.contains_key(p));
    let state_changed = killed.entry(STATE) != s.before.entry(STATE)
        || killed.under("var/lib/jitsi-tokens").any(|(p, _)| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(".state.toml"))
                || p.ends_with("state.toml.new")
        });
    if written == s.changes {
        if s.uninstall && killed.entry(STATE).is_some() {
            "after every write, before the state file was removed".into()
        } else {
            "after every write (validation, report)".into()
        }
    } else if written > 0 {
        format!(
            "after {written} of {} writes{}",
            s.changes,
            if temp {
                ", a temporary file present"
            } else {
                ""
            }
        )
    } else if temp {
        "during the first write".into()
    } else if new_backup {
        "during or after the backup".into()
    } else if state_changed {
        "after recording the state".into()
    } else {
        "before anything was written".into()
    }
}

/// The checks right after a kill; returns problems found.
fn check_after_kill(s: &Scenario, root: &Path, killed: &Tree) -> Vec<String> {
    let mut problems = Vec::new();
    let rels = reliability::targets(HOST);
    let mut texts = Vec::new();
    for rel in &rels {
        let now = killed.entry(rel);
        if now != s.before.entry(rel) && now != s.after.entry(rel) {
            problems.push(format!(
                "{rel} is neither the old nor the new file (owner, group, mode and bytes): {:?}",
                now.map(|e| (e.uid, e.gid, format!("{:o}", e.mode)))
            ));
        }
        texts.push(
            killed
                .file(rel)
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .unwrap_or_default(),
        );
    }
    if let Err(e) = reliability::parse_ours(&texts[0], &texts[1], &texts[2]) {
        problems.push(format!("a target does not parse: {e}"));
    }
    // The state file: never damaged; covers every change on disk.
    let state = State::load(&Root::new(root).unwrap());
    match &state {
        Err(e) => problems.push(format!("state file unreadable after the kill: {e:#}")),
        Ok(state) => {
            let any_written = rels.iter().any(|r| killed.entry(r) != s.before.entry(r));
            if !s.uninstall && any_written {
                let keys = record_keys(root);
                if state.is_none() || !s.record_keys.is_subset(&keys) {
                    problems.push(
                        "a target changed but the state file does not record the change".into(),
                    );
                }
            }
            if s.uninstall && state.is_none() {
                for rel in &rels {
                    if killed.entry(rel) != s.after.entry(rel) {
                        problems.push(format!("the state file is gone but {rel} was not reverted"));
                    }
                }
            }
        }
    }
    // Earlier backups untouched.
    for (p, e) in s.before.under(BACKUPS) {
        if killed.0.get(p) != Some(e) {
            problems.push(format!("an earlier backup changed: {}", p.display()));
        }
    }
    // New, finished backups hold the old bytes, mode 0600.
    for (p, e) in killed.under(BACKUPS) {
        if s.before.0.contains_key(p) || !matches!(e.kind, Kind::File(_)) {
            continue;
        }
        let rel: PathBuf = p
            .strip_prefix(BACKUPS)
            .unwrap()
            .components()
            .skip(1)
            .collect();
        let in_progress = p
            .strip_prefix(BACKUPS)
            .unwrap()
            .components()
            .next()
            .is_some_and(|c| reliability::is_leftover(&c.as_os_str().to_string_lossy()));
        if in_progress {
            continue;
        }
        let old = s.before.file(&rel.to_string_lossy());
        if old != killed.file(&p.to_string_lossy()) {
            problems.push(format!(
                "backup {} does not hold the old bytes of {}",
                p.display(),
                rel.display()
            ));
        }
        if e.mode != 0o600 {
            problems.push(format!("backup {} has mode {:o}", p.display(), e.mode));
        }
    }
    problems
}

/// The rerun converges: reference result, no leftovers, nothing more to do, uninstall restores.
fn check_rerun(s: &Scenario, root: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    let (code, err) = run_op(root, s.uninstall, &s.secret);
    if code != 0 {
        return vec![format!("the rerun failed with exit {code}: {err}")];
    }
    let tree = Tree::capture(root);
    if targets_of(&tree) != s.after {
        problems.push("the rerun did not produce the reference result".into());
    }
    let left = reliability::leftovers(root);
    if !left.is_empty() {
        problems.push(format!("leftovers after the rerun: {left:?}"));
    }
    if s.uninstall {
        if tree.entry(STATE).is_some() {
            problems.push("the state file survived a completed uninstall".into());
        }
        return problems;
    }
    if record_keys(root) != s.record_keys {
        problems.push("the state file after the rerun differs from the reference".into());
    }
    let backups = tree.under(BACKUPS).count();
    let (code, err) = run_op(root, false, &s.secret);
    let again = Tree::capture(root);
    if code != 0 || targets_of(&again) != s.after || again.under(BACKUPS).count() != backups {
        problems.push(format!(
            "a further install changed something (exit {code}) {err}"
        ));
    }
    let (code, err) = run_op(root, true, &s.secret);
    let reverted = Tree::capture(root);
    for (i, rel) in reliability::targets(HOST).iter().enumerate() {
        if reverted.file(rel) != Some(&s.pristine[i][..]) {
            problems.push(format!(
                "uninstall after the rerun did not restore {rel} (exit {code}: {err})"
            ));
        }
    }
    problems
}

#[test]
fn sigkill_at_random_moments_leaves_old_or_new_files_and_a_rerun_converges() {
    let kills = reliability::rounds("JT_CRASH_KILLS", 500);
    let mut rng = Rng::from_env("crash");
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    std::fs::write(
        w.join("secret1"),
        "first-crash-secret/&$\"'\\]]€-0123456789abcdef\n",
    )
    .unwrap();
    std::fs::write(
        w.join("secret2"),
        "second-crash-secret-ZYXWVUTSRQPONMLKJIHGFEDCBA\n",
    )
    .unwrap();

    let stock = stock_tree(w);
    let mut scenarios = vec![build_scenario(
        w,
        "fresh install",
        stock.clone(),
        &stock,
        false,
        w.join("secret1"),
    )];
    // The installed tree (state file and backup included) for the rotation and uninstall cases.
    let installed_root = w.join("installed");
    stock.materialize(&installed_root);
    assert_eq!(run_op(&installed_root, false, &w.join("secret1")).0, 0);
    let installed = Tree::capture(&installed_root);
    scenarios.push(build_scenario(
        w,
        "secret rotation",
        installed.clone(),
        &stock,
        false,
        w.join("secret2"),
    ));
    scenarios.push(build_scenario(
        w,
        "uninstall",
        installed,
        &stock,
        true,
        w.join("secret1"),
    ));
    if let Some(shared) = common::shared_fixtures_or_note("crash") {
        let root = w.join("upstream");
        common::copy_tree(&shared.join("outdated-jicofo-auth"), &root);
        let upstream = Tree::capture(&root);
        scenarios.push(build_scenario(
            w,
            "fresh install (upstream outdated-jicofo-auth)",
            upstream.clone(),
            &upstream,
            false,
            w.join("secret1"),
        ));
    }
    for s in &scenarios {
        reliability::report(
            "crash",
            &format!(
                "scenario {:?}: uninterrupted run median {}{}, {} of 3 files change",
                s.name,
                reliability::ms(s.median),
                s.median_stepped
                    .map(|m| format!(" ({} with the step delay)", reliability::ms(m)))
                    .unwrap_or_default(),
                s.changes
            ),
        );
    }

    let batch = w.join("oracle-batch");
    std::fs::create_dir_all(&batch).unwrap();
    let mut batch_files: Vec<[PathBuf; 3]> = Vec::new();
    let mut phases: std::collections::BTreeMap<String, std::collections::BTreeMap<&str, usize>> =
        Default::default();
    let mut failures = Vec::new();
    let started = Instant::now();
    let mut killed = 0;
    let mut i = 0;
    while killed < kills {
        i += 1;
        if i % 100 == 0 {
            // The machine's load drifts: keep the kill window matched to the run's length.
            for s in &mut scenarios {
                s.measure(w, 3);
            }
        }
        let s = &scenarios[i % scenarios.len()];
        let stepped = s.median_stepped.is_some() && (i / scenarios.len()) % 2 == 1;
        let root = w.join(format!("kill-{i}"));
        s.before.materialize(&root);
        let median = if stepped {
            s.median_stepped.unwrap()
        } else {
            s.median
        };
        let delay = median.mul_f64(1.15 * rng.unit());
        let start = Instant::now();
        let mut child = op_command(&root, s.uninstall, &s.secret, stepped)
            .spawn()
            .unwrap();
        std::thread::sleep(delay.saturating_sub(start.elapsed()));
        let exited = child.try_wait().unwrap().is_some();
        if !exited {
            child.kill().unwrap();
            killed += 1;
        }
        child.wait().unwrap();
        let killed = Tree::capture(&root);
        let landed = phase(s, &killed, exited);
        let mode = if stepped { "stepped" } else { "plain" };
        *phases
            .entry(format!("{}: {landed}", s.name))
            .or_default()
            .entry(mode)
            .or_default() += 1;
        let mut problems = check_after_kill(s, &root, &killed);
        if i % 10 == 0 {
            // The real programs judge a sample of the files as the kill left them.
            let rels = reliability::targets(HOST);
            let dest = [
                batch.join(format!("{i}.cfg.lua")),
                batch.join(format!("{i}.js")),
                batch.join(format!("{i}.conf")),
            ];
            for (rel, dest) in rels.iter().zip(&dest) {
                std::fs::copy(root.join(rel), dest).unwrap();
            }
            batch_files.push(dest);
        }
        problems.extend(check_rerun(s, &root));
        if !problems.is_empty() {
            let keep = w.join(format!("failed-{i}"));
            failures.push(format!(
                "kill {i} ({}, {mode}, {landed}, after {}): {}",
                s.name,
                reliability::ms(delay),
                problems.join("; ")
            ));
            let _ = std::fs::rename(&root, keep);
        } else {
            std::fs::remove_dir_all(&root).unwrap();
        }
    }
    let elapsed = started.elapsed();
    let prosody: Vec<&Path> = batch_files.iter().map(|f| f[0].as_path()).collect();
    common::oracles::prosody_configs(&prosody);
    let meet: Vec<&Path> = batch_files.iter().map(|f| f[1].as_path()).collect();
    common::oracles::meet_configs(&meet);
    let jicofo: Vec<&Path> = batch_files.iter().map(|f| f[2].as_path()).collect();
    common::oracles::jicofo_auth_enabled(&jicofo);

    let mut lines = vec![format!(
        "{i} runs, {killed} killed by SIGKILL, {} failures, {:.0} s; {} sampled file triples accepted by Prosody's loader, Node.js and Typesafe Config",
        failures.len(),
        elapsed.as_secs_f64(),
        batch_files.len()
    )];
    lines.push("  plain stepped  where the kill landed".into());
    for (k, n) in &phases {
        let get = |m: &str| n.get(m).copied().unwrap_or(0);
        lines.push(format!("  {:5} {:7}  {k}", get("plain"), get("stepped")));
    }
    reliability::report("crash", &lines.join("\n"));
    if !failures.is_empty() {
        std::mem::forget(work);
        panic!(
            "{} of {i} runs broke a property (trees kept under failed-N):\n{}",
            failures.len(),
            failures.join("\n")
        );
    }
}

/// Regression (issue 6): a run killed while writing the state file left
/// `.state.toml.jitsi-tokens-PID-N.tmp` behind for good; the next run removes it.
#[test]
fn state_file_temporaries_of_a_killed_run_are_removed() {
    let work = tempfile::tempdir().unwrap();
    let root = work.path().join("root");
    common::write_stock(&root, HOST);
    std::fs::write(
        work.path().join("secret"),
        "regression-secret-0123456789abcdef\n",
    )
    .unwrap();
    let dir = root.join("var/lib/jitsi-tokens");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join(".state.toml.jitsi-tokens-999999-0.tmp"),
        "half a sta",
    )
    .unwrap();
    std::fs::write(dir.join("state.toml.new"), "half a sta").unwrap();
    let (code, err) = run_op(&root, false, &work.path().join("secret"));
    assert_eq!(code, 0, "{err}");
    assert_eq!(reliability::leftovers(&root), Vec::<PathBuf>::new());
}

/// Regression (issue 6): a run killed while copying backups left a directory that looked like a
/// complete backup but held a truncated copy. Backups are now filled under `STAMP.partial/`
/// and renamed when complete; the next run removes an unfinished one.
#[test]
fn a_backup_killed_half_way_is_never_taken_for_a_complete_one() {
    if !cfg!(debug_assertions) {
        eprintln!("NOTE: needs the debug binary's JITSI_TOKENS_STEP_DELAY_US; not run");
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let root = work.path().join("root");
    common::write_stock(&root, HOST);
    let secret = work.path().join("secret");
    std::fs::write(&secret, "regression-secret-0123456789abcdef\n").unwrap();
    let mut child = op_command(&root, false, &secret, false)
        .env("JITSI_TOKENS_STEP_DELAY_US", "100000")
        .spawn()
        .unwrap();
    let backups = root.join(BACKUPS);
    let deadline = Instant::now() + Duration::from_secs(30);
    // Kill it once the first copy exists, before the second is complete.
    loop {
        let copies = Tree::capture(&backups)
            .0
            .values()
            .filter(|e| matches!(e.kind, Kind::File(_)))
            .count();
        if copies >= 1 {
            break;
        }
        assert!(Instant::now() < deadline, "no backup was started");
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let names: Vec<String> = std::fs::read_dir(&backups)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.iter().all(|n| n.ends_with(".partial")),
        "an unfinished backup looks complete: {names:?}"
    );
    let (code, err) = run_op(&root, false, &secret);
    assert_eq!(code, 0, "{err}");
    let names: Vec<String> = std::fs::read_dir(&backups)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
    assert!(!names[0].ends_with(".partial"));
    assert_eq!(reliability::leftovers(&root), Vec::<PathBuf>::new());
}
