//! Permissions and links (issue 6): owner, group and mode survive install and uninstall (the
//! Prosody file is only ever tightened, never loosened); symbolic links planted where the tool
//! creates temporary files, backups or its state are never followed out of the root; a target
//! reached through a link that leaves the root is refused.

mod common;
mod reliability;

use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};
use std::path::PathBuf;
use std::process::Output;

use reliability::Tree;

const HOST: &str = "meet.example.org";

struct Host {
    dir: tempfile::TempDir,
    root: PathBuf,
}

impl Host {
    fn stock() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        common::write_stock(&root, HOST);
        common::write(&root, "etc/group", "root:x:0:\nprosody:x:4242:\n");
        std::fs::write(
            dir.path().join("secret"),
            "permission-secret-0123456789abcdef\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("victim"), "a file outside the root\n").unwrap();
        Host { dir, root }
    }

    fn rel(&self, i: usize) -> PathBuf {
        self.root.join(&reliability::targets(HOST)[i])
    }

    fn victim(&self) -> PathBuf {
        self.dir.path().join("victim")
    }

    /// `install ...` for this host, as arguments.
    fn install_args(&self) -> Vec<std::ffi::OsString> {
        let mut args: Vec<std::ffi::OsString> = [
            "install",
            "--non-interactive",
            "--no-restart",
            "--app-id",
            "perm",
            "--root",
        ]
        .map(Into::into)
        .to_vec();
        args.push(self.root.clone().into());
        args.push("--app-secret-file".into());
        args.push(self.dir.path().join("secret").into());
        args
    }

    fn install(&self) -> Output {
        common::bin().args(self.install_args()).output().unwrap()
    }

    fn uninstall(&self) -> Output {
        common::bin()
            .args(["uninstall", "--no-restart", "--root"])
            .arg(&self.root)
            .output()
            .unwrap()
    }

    fn set(&self, i: usize, uid: u32, gid: u32, mode: u32) {
        let path = self.rel(i);
        std::os::unix::fs::chown(&path, Some(uid), Some(gid)).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    fn meta(&self, i: usize) -> (u32, u32, u32) {
        let m = std::fs::metadata(self.rel(i)).unwrap();
        (m.uid(), m.gid(), m.mode() & 0o7777)
    }
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// (Prosody file, config.js) owner, group and mode before; the Prosody file's after install.
type Case = ((u32, u32, u32), (u32, u32, u32), (u32, u32, u32));

#[test]
fn owner_group_and_mode_are_kept_and_the_secret_file_only_tightened() {
    if !reliability::root_or_note("owner_group_and_mode") {
        return;
    }
    let cases: [Case; 6] = [
        // Debian's own: root:root 0644 becomes root:prosody 0640.
        ((0, 0, 0o644), (0, 0, 0o644), (0, 4242, 0o640)),
        // Already private files of other users stay exactly as they are.
        ((107, 111, 0o640), (33, 33, 0o644), (107, 111, 0o640)),
        (
            (65534, 65534, 0o600),
            (65534, 0, 0o600),
            (65534, 65534, 0o600),
        ),
        // Group-writable and world-readable: only the world bits go.
        ((107, 111, 0o664), (33, 33, 0o664), (107, 111, 0o660)),
        // setgid and sticky bits survive the chown that clears them.
        ((0, 4242, 0o2640), (33, 33, 0o2644), (0, 4242, 0o2640)),
        // World-writable is tightened too.
        ((0, 0, 0o666), (0, 0, 0o666), (0, 4242, 0o660)),
    ];
    for ((pu, pg, pm), (mu, mg, mm), want) in cases {
        let host = Host::stock();
        host.set(0, pu, pg, pm);
        host.set(1, mu, mg, mm);
        host.set(2, 65534, 4242, 0o640);
        ok(&host.install());
        assert_eq!(host.meta(0), want, "Prosody file from {pu}:{pg} {pm:o}");
        assert_eq!(host.meta(1), (mu, mg, mm), "config.js");
        assert_eq!(host.meta(2), (65534, 4242, 0o640), "jicofo.conf");
        // Backups keep the original owner and group, mode 0600.
        let backups = Tree::capture(&host.root.join("var/lib/jitsi-tokens/backups"));
        for (p, e) in &backups.0 {
            if matches!(e.kind, reliability::Kind::File(_)) {
                assert_eq!(e.mode, 0o600, "{}", p.display());
                let (u, g) = if p.ends_with(format!("{HOST}.cfg.lua")) {
                    (pu, pg)
                } else {
                    (mu, mg)
                };
                assert_eq!((e.uid, e.gid), (u, g), "{}", p.display());
            }
        }
        // Uninstall keeps what install left (it does not put the secret file back to 0644).
        ok(&host.uninstall());
        assert_eq!(host.meta(0), want);
        assert_eq!(host.meta(1), (mu, mg, mm));
    }
    reliability::report(
        "permissions",
        &format!(
            "{} owner/group/mode combinations kept through install and uninstall; the Prosody file only tightened",
            cases.len()
        ),
    );
}

/// Regression (issue 6): uninstall with nothing left to revert (here the admin put the
/// original files back by hand, world-readable) changed the Prosody file's group and mode while
/// saying there was nothing to revert.
#[test]
fn uninstall_never_changes_owner_group_or_mode() {
    let host = Host::stock();
    let before = Tree::capture(&host.root);
    ok(&host.install());
    for (i, rel) in reliability::targets(HOST).iter().enumerate() {
        std::fs::write(host.rel(i), before.file(rel).unwrap()).unwrap();
        std::fs::set_permissions(host.rel(i), std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let restored = Tree::capture(&host.root);
    let stdout = ok(&host.uninstall());
    assert!(
        stdout.contains("nothing install changed is left to revert"),
        "{stdout}"
    );
    let after = Tree::capture(&host.root);
    for rel in reliability::targets(HOST) {
        assert_eq!(after.entry(&rel), restored.entry(&rel), "{rel} changed");
    }
}

/// Links planted at every temporary-file name the next run will use (its process id is 1 in a
/// new PID namespace, so the names are known) point at a file outside the root: the run
/// removes them as stale under its lock and never writes through them.
#[test]
fn links_planted_at_temporary_file_names_are_not_followed() {
    if !reliability::root_or_note("links_planted_at_temporary_file_names") {
        return;
    }
    let host = Host::stock();
    let victim_before = std::fs::read(host.victim()).unwrap();
    let mut planted = Vec::new();
    for i in 0..3 {
        let target = host.rel(i);
        let name = target.file_name().unwrap().to_string_lossy().into_owned();
        for n in 0..8 {
            let link = target
                .parent()
                .unwrap()
                .join(format!(".{name}.jitsi-tokens-1-{n}.tmp"));
            symlink(host.victim(), &link).unwrap();
            planted.push(link);
        }
    }
    let state = host.root.join("var/lib/jitsi-tokens");
    std::fs::create_dir_all(&state).unwrap();
    for n in 0..8 {
        let link = state.join(format!(".state.toml.jitsi-tokens-1-{n}.tmp"));
        symlink(host.victim(), &link).unwrap();
        planted.push(link);
    }
    symlink(host.victim(), state.join("state.toml.new")).unwrap();
    let out = std::process::Command::new("unshare")
        .args(["--pid", "--fork", "--"])
        .arg(env!("CARGO_BIN_EXE_jitsi-tokens"))
        .args(host.install_args())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(std::fs::read(host.victim()).unwrap(), victim_before);
    assert_eq!(
        std::fs::symlink_metadata(host.victim()).unwrap().mode() & 0o777,
        0o644,
        "the victim's mode changed"
    );
    // Either the run removed the links and went on, or it refused; never through them.
    assert!(
        out.status.code() == Some(0) || out.status.code() == Some(1),
        "{stderr}"
    );
    if out.status.success() {
        assert!(
            planted
                .iter()
                .all(|l| std::fs::symlink_metadata(l).is_err())
        );
    }
    reliability::report(
        "permissions",
        &format!(
            "{} links planted at the next run's temporary names (PID 1 in a PID namespace): victim untouched, exit {:?}",
            planted.len(),
            out.status.code()
        ),
    );
}

/// The state directory, the backups directory or the lock replaced by links out of the root:
/// the run refuses, and nothing is written outside the root.
#[test]
fn state_backups_and_lock_links_out_of_the_root_are_refused() {
    let mut results = Vec::new();
    for (what, link_at) in [
        ("state directory", "var/lib/jitsi-tokens"),
        ("var/lib", "var/lib"),
        ("backups directory", "var/lib/jitsi-tokens/backups"),
        ("lock file", "var/lib/jitsi-tokens/lock"),
        ("state file", "var/lib/jitsi-tokens/state.toml"),
    ] {
        let host = Host::stock();
        let outside = host.dir.path().join("outside");
        std::fs::create_dir_all(&outside).unwrap();
        let link = host.root.join(link_at);
        std::fs::create_dir_all(link.parent().unwrap()).unwrap();
        let to = if what.ends_with("file") {
            host.victim()
        } else {
            outside.clone()
        };
        symlink(&to, &link).unwrap();
        let victim_before = std::fs::read(host.victim()).unwrap();
        let targets_before = Tree::capture(&host.root);
        let out = host.install();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(
            Tree::capture(&outside),
            Tree::default(),
            "{what}: written outside the root"
        );
        assert_eq!(
            std::fs::read(host.victim()).unwrap(),
            victim_before,
            "{what}"
        );
        if out.status.success() {
            // Allowed only when the link itself was replaced, not followed.
            assert!(
                std::fs::symlink_metadata(&link).is_ok_and(|m| !m.file_type().is_symlink()),
                "{what}: exit 0 with the link in place"
            );
        } else {
            assert!(matches!(out.status.code(), Some(1 | 2)), "{what}: {stderr}");
            let now = Tree::capture(&host.root);
            for rel in reliability::targets(HOST) {
                assert_eq!(now.entry(&rel), targets_before.entry(&rel), "{what}: {rel}");
            }
        }
        results.push(format!(
            "{what}: exit {:?} {}",
            out.status.code(),
            stderr.lines().next().unwrap_or("")
        ));
    }
    reliability::report("permissions", &results.join("\n"));
}

/// A target that is a link out of the root is refused before anything is written; one that
/// stays inside (conf.d -> conf.avail, absolute as Debian makes it) is written at its target
/// and the link stays.
#[test]
fn targets_through_links_inside_the_root_only() {
    let host = Host::stock();
    let enabled = host.root.join(format!("etc/prosody/conf.d/{HOST}.cfg.lua"));
    std::fs::create_dir_all(enabled.parent().unwrap()).unwrap();
    symlink(format!("/etc/prosody/conf.avail/{HOST}.cfg.lua"), &enabled).unwrap();
    ok(&host.install());
    assert!(
        std::fs::symlink_metadata(&enabled)
            .unwrap()
            .file_type()
            .is_symlink()
    );

    // config.js replaced by a link that climbs out of the root.
    let host = Host::stock();
    let meet = host.rel(1);
    std::fs::remove_file(&meet).unwrap();
    let depth = meet.strip_prefix(&host.root).unwrap().components().count();
    let climb: PathBuf = std::iter::repeat_n("..", depth)
        .collect::<PathBuf>()
        .join("victim");
    symlink(&climb, &meet).unwrap();
    assert!(
        std::fs::metadata(&meet).is_ok(),
        "the link reaches the victim for the kernel"
    );
    let before = Tree::capture(&host.root.join("etc"));
    let victim = std::fs::read(host.victim()).unwrap();
    let out = host.install();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("outside"), "{stderr}");
    assert_eq!(Tree::capture(&host.root.join("etc")), before);
    assert_eq!(std::fs::read(host.victim()).unwrap(), victim);
}
