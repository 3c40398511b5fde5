//! Secrets (issue 6): every command, on its success and error paths, runs under `strace`; the
//! secret appears in none of their stdout and stderr, in no file the tool writes outside the
//! Prosody config (state file, lock, backups of the other files), and in no process's argv;
//! every file created is created 0600, and a file that holds the secret is never given a mode
//! that lets others read it, at any moment (every `openat`, `fchmod`, `chmod` and `mkdir` the
//! tool makes is checked, not only the end state).
//!
//! The secrets carry a distinctive ASCII canary (`LEAKCANARY...`), so any encoding of them
//! (Lua or JavaScript quoting, JSON escaping) is found too. Needs `strace` (Debian package
//! `strace`) and the ptrace permission root has.

mod common;
mod reliability;

use std::path::PathBuf;
use std::process::{Command, Stdio};

use reliability::{Kind, Tree};

const HOST: &str = "meet.example.org";

fn canary(n: u32) -> String {
    format!("LEAKCANARY{n}x7Q2v9Kd3")
}

/// A secret with characters every quoting must escape around the canary.
fn secret(n: u32) -> String {
    format!("\"q'{}\\]]€/&$`-tail", canary(n))
}

struct Traced {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    trace: String,
}

struct Harness {
    dir: tempfile::TempDir,
    root: PathBuf,
    runs: Vec<(String, Traced)>,
    /// What the file scans after each run found, and how many files they read.
    file_problems: Vec<String>,
    files_scanned: usize,
}

impl Harness {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        common::write_stock(&root, HOST);
        common::write(&root, "etc/group", "root:x:0:\nprosody:x:4242:\n");
        for n in 1..=3 {
            std::fs::write(dir.path().join(format!("secret{n}")), secret(n) + "\n").unwrap();
        }
        // A control character: refused.
        std::fs::write(dir.path().join("secret-bell"), secret(9) + "\u{7}\n").unwrap();
        Harness {
            dir,
            root,
            runs: Vec::new(),
            file_problems: Vec::new(),
            files_scanned: 0,
        }
    }

    fn secret_file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Runs the binary with `args` under strace; records everything.
    fn run(&mut self, what: &str, args: &[&str], stdin: &[u8]) -> &Traced {
        let trace_file = self.dir.path().join(format!("trace-{}", self.runs.len()));
        let mut cmd = Command::new("strace");
        cmd.args(["-f", "-y", "-qq", "-s", "256", "-o"])
            .arg(&trace_file)
            .args([
                "-e",
                "trace=execve,open,openat,creat,fchmod,fchmodat,chmod,mkdir,mkdirat,rename,renameat,renameat2",
            ])
            .arg(env!("CARGO_BIN_EXE_jitsi-tokens"))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd
            .spawn()
            .expect("strace runs (apt-get install -y strace)");
        use std::io::Write;
        child.stdin.take().unwrap().write_all(stdin).unwrap();
        let out = child.wait_with_output().unwrap();
        let traced = Traced {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            trace: std::fs::read_to_string(&trace_file).unwrap_or_default(),
        };
        assert!(
            traced.trace.contains("execve("),
            "strace recorded nothing for {what}: {}",
            traced.stderr
        );
        self.scan_files(what);
        self.runs.push((what.to_string(), traced));
        &self.runs.last().unwrap().1
    }

    /// Every file under the root after a run: the secret only in the Prosody file and its
    /// backups, and no file holding it readable by others.
    fn scan_files(&mut self, what: &str) {
        let canaries: Vec<String> = [1, 2, 3, 9].map(canary).to_vec();
        let prosody_rel = reliability::targets(HOST)[0].clone();
        for (p, e) in &Tree::capture(&self.root).0 {
            let Kind::File(bytes) = &e.kind else { continue };
            let text = String::from_utf8_lossy(bytes);
            let holds = canaries.iter().any(|c| text.contains(c.as_str()));
            if holds && e.mode & 0o007 != 0 {
                self.file_problems.push(format!(
                    "after {what}: {} holds a secret and is readable by others",
                    p.display()
                ));
            }
            if !p.ends_with(&prosody_rel) {
                self.files_scanned += 1;
                if holds {
                    self.file_problems
                        .push(format!("after {what}: {} holds a secret", p.display()));
                }
            }
        }
    }

    /// The first line the last run printed (a token).
    fn last_stdout_line(&self) -> String {
        let out = &self.runs.last().expect("a run").1.stdout;
        out.lines().next().unwrap_or_default().trim().to_string()
    }

    fn root(&self) -> String {
        self.root.display().to_string()
    }
}

/// The last argument of a traced call (`openat(..., 0600) = 3`), read as an octal mode.
fn mode_of(line: &str) -> Option<u32> {
    let args = line.rsplit_once(") = ")?.0;
    let last = args.rsplit(", ").next()?;
    u32::from_str_radix(last.trim(), 8).ok()
}

/// Checks one trace: returns violations of the creation and permission rules.
fn check_trace(what: &str, trace: &str, canaries: &[String]) -> Vec<String> {
    let mut problems = Vec::new();
    let prosody_name = format!("{HOST}.cfg.lua");
    for line in trace.lines() {
        if canaries.iter().any(|c| line.contains(c.as_str())) {
            problems.push(format!("{what}: a secret in a traced call: {line}"));
        }
        let secret_path = line.contains(&prosody_name) || line.contains("jitsi-tokens/");
        if (line.contains("openat(") || line.contains("open(")) && line.contains("O_CREAT") {
            match mode_of(line) {
                Some(mode) if mode & 0o077 == 0 => {}
                _ => problems.push(format!("{what}: created without mode 0600: {line}")),
            }
        }
        if line.contains("creat(") && !line.contains("O_") {
            problems.push(format!("{what}: creat(): {line}"));
        }
        let chmod = line.contains("chmod(") || line.contains("chmodat(");
        if chmod && secret_path {
            match mode_of(line) {
                Some(mode) if mode & 0o007 == 0 => {}
                _ => problems.push(format!(
                    "{what}: a file that may hold the secret made readable by others: {line}"
                )),
            }
        }
        if (line.contains("mkdir(") || line.contains("mkdirat(")) && line.contains("jitsi-tokens") {
            match mode_of(line) {
                Some(mode) if mode & 0o077 == 0 => {}
                _ => problems.push(format!("{what}: a state directory not 0700: {line}")),
            }
        }
    }
    problems
}

#[test]
fn no_command_leaks_the_secret_and_secret_files_are_never_readable_by_others() {
    if !reliability::root_or_note("no_command_leaks_the_secret") {
        return;
    }
    let mut h = Harness::new();
    let root = h.root();
    let s1 = h.secret_file("secret1").display().to_string();
    let s3 = h.secret_file("secret3").display().to_string();
    let bell = h.secret_file("secret-bell").display().to_string();
    let install = |secret: &str, extra: &[&str]| -> Vec<String> {
        let mut a: Vec<String> = [
            "install",
            "--root",
            &root,
            "--app-id",
            "leak-app",
            "--non-interactive",
            "--no-restart",
            "--app-secret-file",
            secret,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    let run = |h: &mut Harness, what: &str, args: Vec<String>, stdin: &[u8]| -> Option<i32> {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        h.run(what, &args, stdin).code
    };
    let strs = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();

    // Before any install: dry runs, then the install itself, human and JSON.
    assert_eq!(
        run(
            &mut h,
            "install --dry-run",
            install(&s1, &["--dry-run"]),
            b""
        ),
        Some(0)
    );
    assert_eq!(
        run(
            &mut h,
            "install --dry-run --format json",
            install(&s1, &["--dry-run", "--format", "json"]),
            b""
        ),
        Some(0)
    );
    assert_eq!(run(&mut h, "install", install(&s1, &[]), b""), Some(0));
    assert_eq!(
        run(&mut h, "install (no-op)", install(&s1, &[]), b""),
        Some(0)
    );
    // A rotation, with the secret on stdin, JSON output.
    assert_eq!(
        run(
            &mut h,
            "install rotating, secret on stdin, --format json",
            install("-", &["--format", "json"]),
            format!("{}\n", secret(2)).as_bytes()
        ),
        Some(0)
    );
    assert_eq!(
        run(
            &mut h,
            "install --dry-run (rotation)",
            install(&s3, &["--dry-run"]),
            b""
        ),
        Some(0)
    );
    // Tokens, with the secret read from the host.
    assert_eq!(
        run(
            &mut h,
            "token new --url",
            strs(&["token", "new", "--root", &root, "--room", "*", "--url"]),
            b""
        ),
        Some(0)
    );
    let token = h.last_stdout_line();
    assert_eq!(
        run(
            &mut h,
            "token verify (accepted)",
            strs(&["token", "verify", "--root", &root, "--room", "r1", "-"]),
            token.as_bytes()
        ),
        Some(0)
    );
    assert_eq!(
        run(
            &mut h,
            "token new --app-secret-file",
            strs(&["token", "new", "--root", &root, "--app-secret-file", &s3]),
            b""
        ),
        Some(0)
    );
    let foreign = h.last_stdout_line();
    assert_eq!(
        run(
            &mut h,
            "token verify (bad signature)",
            strs(&["token", "verify", "--root", &root, "--room", "r1", "-"]),
            foreign.as_bytes()
        ),
        Some(1)
    );
    // Error paths.
    assert_eq!(
        run(
            &mut h,
            "install with a control character in the secret",
            install(&bell, &[]),
            b""
        ),
        Some(2)
    );
    assert_eq!(
        run(
            &mut h,
            "install without --app-id",
            strs(&[
                "install",
                "--root",
                &root,
                "--non-interactive",
                "--app-secret-file",
                &s3
            ]),
            b""
        ),
        Some(0),
    );
    for format in ["human", "json", "sarif", "github"] {
        let code = run(
            &mut h,
            &format!("check --format {format}"),
            strs(&["check", "--root", &root, "--format", format]),
            b"",
        );
        assert!(
            matches!(code, Some(0 | 1)),
            "check --format {format}: {code:?}"
        );
    }
    // A syntax error on the line holding the secret: the message shows that line.
    let prosody = h.root.join(&reliability::targets(HOST)[0]);
    let good = std::fs::read_to_string(&prosody).unwrap();
    let broken = good.replacen("app_secret = ", "app_secret = = ", 1);
    assert_ne!(good, broken);
    std::fs::write(&prosody, &broken).unwrap();
    for (what, args) in [
        ("install on a broken Prosody file", install(&s3, &[])),
        (
            "uninstall on a broken Prosody file",
            strs(&["uninstall", "--root", &root, "--no-restart"]),
        ),
        (
            "token new on a broken Prosody file",
            strs(&["token", "new", "--root", &root]),
        ),
    ] {
        assert_eq!(run(&mut h, what, args, b""), Some(2), "{what}");
    }
    for format in ["human", "json", "sarif", "github"] {
        let code = run(
            &mut h,
            &format!("check --format {format} on a broken Prosody file"),
            strs(&["check", "--root", &root, "--format", format]),
            b"",
        );
        assert!(
            matches!(code, Some(1 | 2)),
            "check --format {format}: {code:?}"
        );
    }
    // An app_secret line the linter has something to say about (not a plain string).
    let odd = good.replacen("app_secret = ", "app_secret = os.getenv(\"X\") or ", 1);
    std::fs::write(&prosody, &odd).unwrap();
    for format in ["human", "json", "sarif", "github"] {
        run(
            &mut h,
            &format!("check --format {format} on an odd app_secret line"),
            strs(&["check", "--root", &root, "--format", format]),
            b"",
        );
    }
    std::fs::write(&prosody, &good).unwrap();
    // Uninstall: dry run, JSON, for real.
    assert_eq!(
        run(
            &mut h,
            "uninstall --dry-run",
            strs(&["uninstall", "--root", &root, "--dry-run"]),
            b""
        ),
        Some(0)
    );
    assert_eq!(
        run(
            &mut h,
            "uninstall --dry-run --format json",
            strs(&[
                "uninstall",
                "--root",
                &root,
                "--dry-run",
                "--format",
                "json"
            ]),
            b""
        ),
        Some(0)
    );
    assert_eq!(
        run(
            &mut h,
            "uninstall",
            strs(&["uninstall", "--root", &root, "--no-restart"]),
            b""
        ),
        Some(0)
    );
    assert_eq!(
        run(
            &mut h,
            "uninstall (nothing left)",
            strs(&["uninstall", "--root", &root, "--format", "json"]),
            b""
        ),
        Some(0)
    );

    // Every output and trace.
    let canaries: Vec<String> = [1, 2, 3, 9].map(canary).to_vec();
    let mut problems = Vec::new();
    for (what, t) in &h.runs {
        for c in &canaries {
            if t.stdout.contains(c.as_str()) || t.stderr.contains(c.as_str()) {
                problems.push(format!(
                    "{what}: the secret is in its output:\n{}{}",
                    t.stdout, t.stderr
                ));
            }
        }
        for line in t.trace.lines().filter(|l| l.contains("execve(")) {
            if canaries.iter().any(|c| line.contains(c.as_str())) {
                problems.push(format!("{what}: the secret on a command line: {line}"));
            }
        }
        problems.extend(check_trace(what, &t.trace, &canaries));
    }
    problems.extend(h.file_problems.iter().cloned());
    let scanned = h.files_scanned;
    let commands = h.runs.len();
    reliability::report(
        "secrets",
        &format!(
            "{commands} command runs under strace (install, dry runs, JSON, rotation from stdin, token new/verify, error paths with the secret on the broken line, check, uninstall): the secret in no output, argv or other file ({scanned} files scanned after the runs); every created file 0600, no chmod of a secret-holding path with bits for others; {} problems",
            problems.len()
        ),
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
