//! The real programs that judge our output: Prosody's config loader and prosodyctl (Debian
//! `prosody`), Node.js evaluating config.js, and Typesafe Config (Debian
//! `libtypesafe-config-java`, the library jicofo reads jicofo.conf with).
//!
//! A missing program fails the test with the package to install: these tests must never pass
//! by not running.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

fn oracle_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/oracles")
}

fn run(cmd: &mut Command, what: &str, packages: &str) -> String {
    let out = cmd.output().unwrap_or_else(|e| {
        panic!("cannot run {what} ({e}); install it: apt-get install -y {packages}")
    });
    assert!(
        out.status.success(),
        "{what} failed: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("oracle output is UTF-8")
}

/// Prosody's own loader: the settings of every section of each file (`"*"` is global).
/// Panics when a file does not load.
pub fn prosody_configs(files: &[&Path]) -> Vec<Value> {
    assert!(
        Path::new("/usr/lib/prosody/core/configmanager.lua").exists(),
        "Prosody's config loader is missing; install it: apt-get install -y prosody lua5.4"
    );
    let mut cmd = Command::new("lua5.4");
    cmd.arg(oracle_dir().join("prosody_config.lua")).args(files);
    let out = run(&mut cmd, "lua5.4 (Prosody oracle)", "lua5.4 prosody");
    configs_of(&out, files, "Prosody cannot load")
}

/// One `{"ok": ..., "config"|"error": ...}` line per file: the configs, or a panic naming the
/// first file the oracle refused.
fn configs_of(out: &str, files: &[&Path], refused: &str) -> Vec<Value> {
    let results: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("the oracle prints JSON"))
        .collect();
    assert_eq!(results.len(), files.len());
    results
        .into_iter()
        .zip(files)
        .map(|(r, f)| {
            assert_eq!(r["ok"], true, "{refused} {}: {}", f.display(), r["error"]);
            r["config"].clone()
        })
        .collect()
}

pub fn prosody_config(file: &Path) -> Value {
    prosody_configs(&[file]).pop().unwrap()
}

/// What Prosody's loader says of a file that should not load (`None` when it loads).
pub fn prosody_load_error(file: &Path) -> Option<String> {
    let mut cmd = Command::new("lua5.4");
    cmd.arg(oracle_dir().join("prosody_config.lua")).arg(file);
    let out = run(&mut cmd, "lua5.4 (Prosody oracle)", "lua5.4 prosody");
    let r: Value = serde_json::from_str(out.trim()).unwrap();
    (r["ok"] != true).then(|| r["error"].to_string())
}

/// `prosodyctl check config` on Debian's main prosody.cfg.lua (pidfile and data directory moved
/// into a temporary directory) including `host_file`. Returns (exit code, output). Exit 0 is
/// clean, 2 is warnings only (the stock Jitsi file warns about cross_domain_bosh), 1 an error.
pub fn prosodyctl_check(host_file: &Path) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let main_path = prosodyctl_config(dir.path(), host_file);
    let out = Command::new("prosodyctl")
        .arg("--config")
        .arg(&main_path)
        .args(["check", "config"])
        .output()
        .expect("prosodyctl is missing; install it: apt-get install -y prosody");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

/// Writes into `dir` a copy of Debian's main prosody.cfg.lua with its pidfile, data and
/// certificate paths moved into `dir` and `host_file` as its only included host; returns the
/// main config's path (for `prosodyctl --config`). Also used by benches/check.rs.
pub fn prosodyctl_config(dir: &Path, host_file: &Path) -> PathBuf {
    let main = std::fs::read_to_string("/etc/prosody/prosody.cfg.lua")
        .expect("/etc/prosody/prosody.cfg.lua is missing; install it: apt-get install -y prosody");
    let d = dir.display();
    std::fs::create_dir_all(dir.join("conf.d")).unwrap();
    std::fs::create_dir_all(dir.join("data")).unwrap();
    std::fs::create_dir_all(dir.join("certs")).unwrap();
    let mut config: String = main
        .lines()
        .map(|l| {
            if l.starts_with("pidfile") {
                format!("pidfile = \"{d}/prosody.pid\"")
            } else if l.starts_with("Include \"conf.d/") {
                format!("Include \"{d}/conf.d/*.cfg.lua\"")
            } else if l.starts_with("certificates") {
                format!("certificates = \"{d}/certs\"")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    config.push_str(&format!("\ndata_path = \"{d}/data\"\n"));
    let main_path = dir.join("prosody.cfg.lua");
    std::fs::write(&main_path, config).unwrap();
    std::fs::copy(host_file, dir.join("conf.d/host.cfg.lua")).unwrap();
    main_path
}

/// Asserts `prosodyctl check config` finds no error (warnings are fine).
pub fn assert_prosodyctl_accepts(host_file: &Path) {
    let (code, text) = prosodyctl_check(host_file);
    assert!(
        code == 0 || code == 2,
        "prosodyctl check config failed ({code}) on {}:\n{text}",
        host_file.display()
    );
}

/// Node.js evaluating config.js (SSI directives replaced by their defaults, as nginx does);
/// returns `config`. Panics when it does not evaluate.
pub fn meet_config(file: &Path) -> Value {
    let mut cmd = Command::new("node");
    cmd.arg(oracle_dir().join("meet_config.js")).arg(file);
    let out = run(&mut cmd, "node (config.js oracle)", "nodejs");
    let r: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(
        r["ok"],
        true,
        "Node.js cannot evaluate {}: {}",
        file.display(),
        r["error"]
    );
    r["config"].clone()
}

/// Node.js evaluating many config.js files in one process; returns each `config`. Panics when
/// one does not evaluate.
pub fn meet_configs(files: &[&Path]) -> Vec<Value> {
    if files.is_empty() {
        return Vec::new();
    }
    let mut cmd = Command::new("node");
    cmd.arg(oracle_dir().join("meet_config.js")).args(files);
    let out = run(&mut cmd, "node (config.js oracle)", "nodejs");
    configs_of(&out, files, "Node.js cannot evaluate")
}

/// Node.js evaluating `expression` and printing it as JSON (for string round trips).
pub fn node_eval_json(program: &str) -> Value {
    let mut child = Command::new("node")
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("node is missing; install it: apt-get install -y nodejs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(program.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "node failed");
    serde_json::from_slice(&out.stdout).expect("node printed JSON")
}

/// Typesafe Config's reading of `paths` in each file (HoconOracle.java, one JVM for all).
/// Each result has `parse`, `resolve` and `values: [{path, type, string, bool}]`.
pub fn hocon(files: &[(&Path, &[&[&str]])]) -> Vec<Value> {
    let jar = "/usr/share/java/typesafe-config.jar";
    assert!(
        Path::new(jar).exists(),
        "Typesafe Config is missing; install it: apt-get install -y default-jre-headless libtypesafe-config-java"
    );
    let mut manifest = String::new();
    for (file, paths) in files {
        manifest.push_str(&format!("F\t{}\n", file.display()));
        for path in *paths {
            manifest.push_str(&format!("P\t{}\n", path.join("\t")));
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let manifest_path = dir.path().join("manifest");
    std::fs::write(&manifest_path, manifest).unwrap();
    let mut cmd = Command::new("java");
    cmd.args(["-cp", jar])
        .arg(oracle_dir().join("HoconOracle.java"))
        .arg(&manifest_path);
    let out = run(
        &mut cmd,
        "java (Typesafe Config oracle)",
        "default-jre-headless libtypesafe-config-java",
    );
    out.lines()
        .map(|l| serde_json::from_str(l).expect("HOCON oracle prints JSON"))
        .collect()
}

/// `jicofo.authentication.enabled` as jicofo would read it: Some(bool), or None when unset.
pub fn jicofo_auth_enabled(files: &[&Path]) -> Vec<Option<bool>> {
    let path: &[&str] = &["jicofo", "authentication", "enabled"];
    let paths = [path];
    let list: Vec<(&Path, &[&[&str]])> = files.iter().map(|f| (*f, &paths[..])).collect();
    hocon(&list)
        .into_iter()
        .zip(files)
        .map(|(r, f)| {
            assert_eq!(
                r["parse"],
                "ok",
                "Typesafe Config cannot parse {}: {r}",
                f.display()
            );
            let v = &r["values"][0];
            match v["type"].as_str() {
                Some("MISSING") => None,
                _ => Some(
                    v["bool"]
                        .as_bool()
                        .unwrap_or_else(|| panic!("{} is not a boolean: {v}", f.display())),
                ),
            }
        })
        .collect()
}
