//! The pre-commit hooks of `.pre-commit-hooks.yaml`, run by the real pre-commit (PyPI) in a
//! temporary git repository of Jitsi configurations (issue 3).
//!
//! The `language: system` hook is run here, with the binary under test on PATH. The
//! `language: rust` hook builds the crate with `cargo install`, which takes minutes on a 2-core
//! machine: `cargo test --test precommit -- --ignored` runs it.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const HOST: &str = "meet.example.org";

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.org",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git is missing; install it: apt-get install -y git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn git_head(dir: &Path) -> String {
    let out = Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(dir)
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// A repository holding only the project's hook manifest, committed, for `repo:` to point at.
fn hook_repo(dir: &Path) -> String {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml");
    std::fs::create_dir_all(dir).unwrap();
    std::fs::copy(&manifest, dir.join(".pre-commit-hooks.yaml")).unwrap();
    git(dir, &["init", "-q"]);
    git(dir, &["add", "."]);
    git(dir, &["commit", "-qm", "hooks"]);
    git_head(dir)
}

/// `pre-commit ARGS` in `repo`, with the binary under test first on PATH.
fn pre_commit(repo: &Path, home: &Path, args: &[&str]) -> Output {
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_jitsi-tokens"))
        .parent()
        .unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    Command::new("pre-commit")
        .args(args)
        .current_dir(repo)
        .env("PATH", path)
        .env("PRE_COMMIT_HOME", home)
        .env("NO_COLOR", "1")
        .env_remove("GIT_DIR")
        .output()
        .expect("pre-commit is missing; install it: python3 -m pip install pre-commit")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn config_repo(dir: &Path, hooks: &Path, rev: &str, hook: &str) {
    common::copy_tree(&common::fixtures().join("check/baseline"), dir);
    std::fs::write(
        dir.join(".pre-commit-config.yaml"),
        format!(
            "repos:\n  - repo: {}\n    rev: {rev}\n    hooks:\n      - id: {hook}\n",
            hooks.display()
        ),
    )
    .unwrap();
    git(dir, &["init", "-q"]);
    git(dir, &["add", "."]);
}

#[test]
fn the_system_hook_fails_on_findings_and_passes_once_fixed() {
    let tmp = tempfile::tempdir().unwrap();
    let hooks = tmp.path().join("hooks");
    let rev = hook_repo(&hooks);
    let repo = tmp.path().join("configs");
    let home = tmp.path().join("cache");
    config_repo(&repo, &hooks, &rev, "jitsi-tokens-check-system");

    let clean = pre_commit(&repo, &home, &["run", "--all-files"]);
    assert!(clean.status.success(), "{}", text(&clean));
    assert!(text(&clean).contains("Passed"), "{}", text(&clean));

    // A staged change to config.js alone: the hook gets that file and checks its whole set.
    let meet = repo.join(common::meet_rel(HOST));
    let js = std::fs::read_to_string(&meet).unwrap().replace(
        "anonymousdomain: 'guest.meet.example.org'",
        "anonymousdomain: 'guest.example.com'",
    );
    std::fs::write(&meet, js).unwrap();
    git(&repo, &["add", "."]);
    let dirty = pre_commit(&repo, &home, &["run"]);
    assert_eq!(dirty.status.code(), Some(1), "{}", text(&dirty));
    let output = text(&dirty);
    assert!(output.contains("error[JT203]"), "{output}");
    assert!(output.contains("Failed"), "{output}");

    // Files outside the hook's pattern never reach check.
    std::fs::write(repo.join("notes.txt"), "not a config\n").unwrap();
    std::fs::write(repo.join("interface_config.js"), "var x = 1;\n").unwrap();
    git(&repo, &["add", "."]);
    let dirty = pre_commit(&repo, &home, &["run", "--all-files"]);
    assert_eq!(dirty.status.code(), Some(1));
    assert!(
        !text(&dirty).contains("not a file check knows"),
        "{}",
        text(&dirty)
    );
}

/// Builds the crate through pre-commit's `language: rust` support (`cargo install`): slow.
#[test]
#[ignore]
fn the_rust_hook_builds_and_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let project = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let repo = tmp.path().join("configs");
    let home = tmp.path().join("cache");
    let rev = git_head(&project);
    config_repo(&repo, &project, &rev, "jitsi-tokens-check");
    let out = pre_commit(&repo, &home, &["run", "--all-files"]);
    assert!(out.status.success(), "{}", text(&out));
}
