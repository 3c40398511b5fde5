//! Concurrency (issue 6): sixteen installs with different secrets at once on one root serialise
//! on the run lock. The end state is valid and equals exactly one of them (byte for byte what
//! that install alone produces); the sixteen backups form one unbroken chain (each secret is
//! backed up exactly once, by the run that replaced it); the state file still lets uninstall
//! restore the original. A lock whose holder was killed never blocks the next run.

mod common;
mod reliability;

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use jitsi_tokens::jitsi::prosody::{ProsodyConfig, Target};
use jitsi_tokens::state::State;
use jitsi_tokens::system::fs::Root;
use nix::fcntl::{Flock, FlockArg};
use reliability::Tree;

const HOST: &str = "meet.example.org";
const RUNS: usize = 16;

fn secret(i: usize) -> String {
    format!(
        "concurrent-secret-{i:02}-\"quoted\"/&$-{}",
        "x".repeat(i + 20)
    )
}

fn install_command(root: &Path, secret_file: &Path) -> Command {
    let mut cmd = common::bin();
    cmd.args(["install", "--root"])
        .arg(root)
        .args([
            "--app-id",
            "race",
            "--non-interactive",
            "--no-restart",
            "--app-secret-file",
        ])
        .arg(secret_file)
        .stdin(Stdio::null());
    cmd
}

/// The app_secret the Prosody file holds, read with the project's parser (`None`: unset).
fn app_secret(text: &str) -> Option<String> {
    ProsodyConfig::parse(text)
        .unwrap()
        .own_setting(&Target::Host(HOST.into()), "app_secret")
        .and_then(|s| s.value.as_string().map(|v| v.to_string_lossy()))
}

struct Race {
    dir: tempfile::TempDir,
    /// The process id of each run, once spawned.
    pids: Vec<u32>,
    root: PathBuf,
    stock: Tree,
}

impl Race {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        common::write_stock(&root, HOST);
        for i in 0..RUNS {
            std::fs::write(dir.path().join(format!("secret{i}")), secret(i) + "\n").unwrap();
        }
        let stock = Tree::capture(&root);
        Race {
            dir,
            root,
            stock,
            pids: vec![0; RUNS],
        }
    }

    fn secret_file(&self, i: usize) -> PathBuf {
        self.dir.path().join(format!("secret{i}"))
    }

    fn spawn(&mut self, i: usize) -> Child {
        let err = File::create(self.dir.path().join(format!("stderr{i}"))).unwrap();
        let out = File::create(self.dir.path().join(format!("stdout{i}"))).unwrap();
        let child = install_command(&self.root, &self.secret_file(i))
            .stdout(out)
            .stderr(err)
            .spawn()
            .unwrap();
        self.pids[i] = child.id();
        child
    }

    fn output(&self, i: usize) -> (String, String) {
        let read = |n: &str| std::fs::read_to_string(self.dir.path().join(format!("{n}{i}")));
        (read("stdout").unwrap(), read("stderr").unwrap())
    }

    /// Every property of the end state; returns the index of the run whose result stands.
    fn check_end_state(&self) -> usize {
        let rels = reliability::targets(HOST);
        let tree = Tree::capture(&self.root);
        let prosody_text = String::from_utf8(tree.file(&rels[0]).unwrap().to_vec()).unwrap();
        let final_secret = app_secret(&prosody_text).expect("an app_secret is set");
        let winners: Vec<usize> = (0..RUNS).filter(|&i| secret(i) == final_secret).collect();
        assert_eq!(winners.len(), 1, "the final secret is none of the runs'");
        let winner = winners[0];

        // Byte for byte what that install alone produces on the stock files.
        let alone = self.dir.path().join("alone");
        let _ = std::fs::remove_dir_all(&alone);
        self.stock.materialize(&alone);
        reliability::run_ok(&mut install_command(&alone, &self.secret_file(winner)));
        let reference = Tree::capture(&alone);
        for rel in &rels {
            assert_eq!(
                tree.file(rel),
                reference.file(rel),
                "{rel} differs from the winner's own result"
            );
        }
        // The real programs accept the result, with the winner's secret.
        let prosody = self.root.join(&rels[0]);
        let config = common::oracles::prosody_config(&prosody);
        assert_eq!(config[HOST]["app_secret"], final_secret.as_str());
        common::oracles::meet_config(&self.root.join(&rels[1]));

        // The backups: RUNS complete directories, an unbroken chain of secrets.
        let backups = "var/lib/jitsi-tokens/backups";
        let mut dirs: BTreeMap<String, Vec<(PathBuf, Vec<u8>, u32)>> = BTreeMap::new();
        for (p, e) in tree.under(backups) {
            let rel = p.strip_prefix(backups).unwrap();
            let Some(stamp) = rel.components().next() else {
                continue;
            };
            let stamp = stamp.as_os_str();
            let stamp = stamp.to_string_lossy().into_owned();
            let entry = dirs.entry(stamp).or_default();
            if let reliability::Kind::File(bytes) = &e.kind {
                let file: PathBuf = rel.components().skip(1).collect();
                entry.push((file, bytes.clone(), e.mode));
            }
        }
        assert_eq!(dirs.len(), RUNS, "one backup per run: {:?}", dirs.keys());
        let mut backed_up: Vec<Option<String>> = Vec::new();
        let mut meet_backups = 0;
        for (stamp, files) in &dirs {
            assert!(
                !reliability::is_leftover(stamp),
                "unfinished backup {stamp}"
            );
            for (file, bytes, mode) in files {
                assert_eq!(*mode, 0o600, "backup {stamp}/{} mode", file.display());
                if file == Path::new(&rels[0]) {
                    backed_up.push(app_secret(std::str::from_utf8(bytes).unwrap()));
                } else if file == Path::new(&rels[1]) {
                    meet_backups += 1;
                    assert_eq!(Some(&bytes[..]), self.stock.file(&rels[1]));
                } else {
                    panic!("unexpected backup {stamp}/{}", file.display());
                }
            }
        }
        assert_eq!(meet_backups, 1, "config.js changes once, so one backup");
        // Backup names sort in the order the runs happened: each backup holds the secret the
        // previous backup's run wrote.
        let chain: Vec<Option<String>> = dirs
            .values()
            .map(|files| {
                let prosody = files.iter().find(|(f, _, _)| f == Path::new(&rels[0]));
                app_secret(std::str::from_utf8(&prosody.unwrap().1).unwrap())
            })
            .collect();
        let writer_of =
            |secret: &Option<String>| (0..RUNS).find(|&i| Some(self::secret(i)) == *secret);
        assert_eq!(chain[0], None, "the oldest backup holds the stock file");
        for (k, stamp) in dirs.keys().enumerate().skip(1) {
            let writer = writer_of(&chain[k]).expect("a run's secret");
            let pid = self.pids[writer].to_string();
            let previous_stamp = dirs.keys().nth(k - 1).unwrap();
            assert!(
                previous_stamp.ends_with(&format!("-{pid}"))
                    || previous_stamp.contains(&format!("-{pid}-")),
                "backup names do not sort in the order of the runs: {stamp} holds the secret of run {writer} (pid {pid}), but the backup before it is {previous_stamp}; all: {:?}",
                dirs.keys().collect::<Vec<_>>()
            );
        }
        backed_up.push(Some(final_secret.clone()));
        backed_up.sort();
        let mut expected: Vec<Option<String>> = (0..RUNS).map(|i| Some(secret(i))).collect();
        expected.push(None);
        expected.sort();
        assert_eq!(
            backed_up, expected,
            "each secret must be replaced (and backed up) exactly once"
        );

        // The state file names the winner's secret; nothing left behind.
        let root = Root::new(&self.root).unwrap();
        let state = State::load(&root).unwrap().expect("a state file");
        let secret_record = state
            .records
            .iter()
            .find(|r| r.key == "app_secret")
            .unwrap();
        assert!(state.still_ours(
            secret_record,
            &jitsi_tokens::document::lua::quote(&final_secret)
        ));
        assert_eq!(reliability::leftovers(&self.root), Vec::<PathBuf>::new());
        for i in 0..RUNS {
            let (out, err) = self.output(i);
            for s in 0..RUNS {
                assert!(!out.contains(&secret(s)) && !err.contains(&secret(s)));
            }
        }
        winner
    }

    fn uninstall_restores_stock(&self) {
        reliability::run_ok(
            common::bin()
                .args(["uninstall", "--no-restart", "--root"])
                .arg(&self.root),
        );
        let tree = Tree::capture(&self.root);
        for rel in reliability::targets(HOST) {
            assert_eq!(tree.file(&rel), self.stock.file(&rel), "{rel} not restored");
        }
    }
}

fn lock_path(root: &Path) -> PathBuf {
    root.join("var/lib/jitsi-tokens/lock")
}

#[test]
fn sixteen_installs_queued_on_a_held_lock_serialise() {
    let mut race = Race::new();
    std::fs::create_dir_all(race.root.join("var/lib/jitsi-tokens")).unwrap();
    let file = File::create(lock_path(&race.root)).unwrap();
    let held = Flock::lock(file, FlockArg::LockExclusiveNonblock).unwrap();
    let mut children: Vec<Child> = (0..RUNS).map(|i| race.spawn(i)).collect();
    // Every run has reached the lock and says it waits.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let waiting = (0..RUNS)
            .filter(|&i| {
                race.output(i)
                    .1
                    .contains("waiting for another jitsi-tokens run")
            })
            .count();
        if waiting == RUNS {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "only {waiting} runs reached the lock"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let tree = Tree::capture(&race.root);
    for rel in reliability::targets(HOST) {
        assert_eq!(
            tree.file(&rel),
            race.stock.file(&rel),
            "written without the lock"
        );
    }
    let start = Instant::now();
    drop(held);
    for (i, child) in children.iter_mut().enumerate() {
        let status = child.wait().unwrap();
        assert!(status.success(), "run {i}: {}", race.output(i).1);
    }
    let elapsed = start.elapsed();
    let winner = race.check_end_state();
    reliability::report(
        "concurrency",
        &format!(
            "{RUNS} installs queued on a held lock: all reached it, all exited 0 in {} after its release; run {winner} stands; {RUNS} backups, one unbroken chain",
            reliability::ms(elapsed)
        ),
    );
    race.uninstall_restores_stock();
}

#[test]
fn sixteen_installs_started_together_serialise() {
    let rounds = reliability::rounds("JT_RACE_ROUNDS", 5);
    let mut winners = Vec::new();
    for _ in 0..rounds {
        let mut race = Race::new();
        let mut children: Vec<Child> = (0..RUNS).map(|i| race.spawn(i)).collect();
        for (i, child) in children.iter_mut().enumerate() {
            assert!(child.wait().unwrap().success(), "{}", race.output(i).1);
        }
        let waited = (0..RUNS)
            .filter(|&i| race.output(i).1.contains("waiting for another"))
            .count();
        winners.push(format!("run {} ({waited} waited)", race.check_end_state()));
        race.uninstall_restores_stock();
    }
    reliability::report(
        "concurrency",
        &format!(
            "{rounds} rounds of {RUNS} installs started together: every end state valid; {}",
            winners.join(", ")
        ),
    );
}

#[test]
fn a_lock_held_by_a_killed_run_never_blocks() {
    let mut race = Race::new();
    // A run slowed at every write step holds the lock for seconds; kill it while it does.
    let mut slow = install_command(&race.root, &race.secret_file(0))
        .env("JITSI_TOKENS_STEP_DELAY_US", "200000")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let lock = lock_path(&race.root);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let held = File::open(&lock)
            .ok()
            .map(|f| Flock::lock(f, FlockArg::LockExclusiveNonblock).is_err());
        if held == Some(true) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the slow run never took the lock"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(Duration::from_millis(300));
    slow.kill().unwrap();
    slow.wait().unwrap();
    assert!(lock.exists(), "the lock file stays behind");
    let start = Instant::now();
    let mut next = race.spawn(1);
    let status = next.wait().unwrap();
    let elapsed = start.elapsed();
    assert!(status.success(), "{}", race.output(1).1);
    assert!(
        !race.output(1).1.contains("waiting"),
        "the next run waited for a dead process"
    );
    assert!(elapsed < Duration::from_secs(10));
    let tree = Tree::capture(&race.root);
    let rels = reliability::targets(HOST);
    let text = String::from_utf8(tree.file(&rels[0]).unwrap().to_vec()).unwrap();
    assert_eq!(app_secret(&text), Some(secret(1)));
    assert_eq!(reliability::leftovers(&race.root), Vec::<PathBuf>::new());

    // A lock file with other content, owner and mode is just as harmless.
    std::fs::write(&lock, "garbage left by someone\n").unwrap();
    if reliability::is_root() {
        std::os::unix::fs::chown(&lock, Some(65534), Some(65534)).unwrap();
    }
    reliability::run_ok(&mut install_command(&race.root, &race.secret_file(2)));
    reliability::report(
        "concurrency",
        &format!(
            "a run SIGKILLed while holding the lock: the next run took it at once and finished in {}",
            reliability::ms(elapsed)
        ),
    );
}
