//! Hostile input (issue 6), beyond the fuzzer:
//! - 50 MB files, one-line files, binary garbage, NUL bytes and deeply nested structures in
//!   each of the three files, and endless secrets on a file or stdin: exit 2, a short message
//!   naming the file, nothing written, bounded memory (peak RSS from `/usr/bin/time`) and
//!   time; and the largest text each layer still parses (its size limit filled with
//!   statements), for the worst memory an accepted file can cost;
//! - 10,000 random secrets and 10,000 app ids, quoted by the project, read back exactly by
//!   Prosody's own loader and by Node.js (for `document::js::quote`), or refused by the check
//!   install applies; a sample goes through the binary end to end, refused ones with exit 2.

mod common;
mod reliability;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use jitsi_tokens::document::{js, lua};
use jitsi_tokens::secret::validate_printable;
use reliability::{Rng, Tree};

const HOST: &str = "meet.example.org";

/// Peak memory and time allowed for any hostile file (the binary parses normal files in a few
/// MB and milliseconds).
const MAX_RSS_KB: u64 = 256 * 1024;
const MAX_TIME: Duration = Duration::from_secs(20);

struct Run {
    code: Option<i32>,
    stderr: String,
    rss_kb: u64,
    took: Duration,
}

/// Runs `cmd` under `/usr/bin/time` (Debian package `time`) for its peak RSS: `wait4` on a
/// child of this test process would count the pages it shares with it before `exec`.
fn run_measured(
    cmd: &mut Command,
    stdin: Option<Box<dyn FnOnce(std::process::ChildStdin) + Send>>,
) -> Run {
    let time = Path::new("/usr/bin/time");
    assert!(
        time.exists(),
        "/usr/bin/time is missing; install it: apt-get install -y time"
    );
    let rss_file = tempfile::NamedTempFile::new().unwrap();
    let err_file = tempfile::NamedTempFile::new().unwrap();
    let mut timed = Command::new(time);
    timed
        .args(["-f", "%M", "-o"])
        .arg(rss_file.path())
        .arg(cmd.get_program())
        .args(cmd.get_args())
        .stdout(Stdio::null())
        .stderr(Stdio::from(err_file.reopen().unwrap()))
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
    let start = Instant::now();
    let mut child = timed.spawn().unwrap();
    let feeder = stdin.map(|feed| {
        let pipe = child.stdin.take().unwrap();
        std::thread::spawn(move || feed(pipe))
    });
    let status = child.wait().unwrap();
    let took = start.elapsed();
    if let Some(f) = feeder {
        let _ = f.join();
    }
    let rss_kb = std::fs::read_to_string(rss_file.path())
        .unwrap_or_default()
        .lines()
        .rev()
        .find_map(|l| l.trim().parse().ok())
        .unwrap_or(u64::MAX);
    Run {
        code: status.code(),
        stderr: std::fs::read_to_string(err_file.path()).unwrap_or_default(),
        rss_kb,
        took,
    }
}

fn install(root: &Path, secret: &Path, dry_run: bool) -> Command {
    let mut cmd = common::bin();
    cmd.args([
        "install",
        "--non-interactive",
        "--no-restart",
        "--app-id",
        "hostile",
    ])
    .arg("--root")
    .arg(root)
    .arg("--app-secret-file")
    .arg(secret);
    if dry_run {
        cmd.arg("--dry-run");
    }
    cmd
}

/// Shapes of hostile content for one of the three files: (name, bytes).
fn shapes(role: usize, stock: &[u8]) -> Vec<(&'static str, Vec<u8>)> {
    let mut rng = Rng::new(7 + role as u64);
    let comment: &[u8] = [b"-- ".as_slice(), b"// ", b"# "][role];
    let mut padded = stock.to_vec();
    while padded.len() < 50 << 20 {
        padded.extend_from_slice(comment);
        padded.extend_from_slice(&[b'x'; 76]);
        padded.push(b'\n');
    }
    let (open, close, prefix): (&str, &str, &str) = [
        ("{", "}", "x = "),
        ("[", "]", "var config = "),
        ("a {", "}", ""),
    ][role];
    // 50,000 levels: 100 kB, under every size limit, so each layer's nesting guard answers.
    let nesting = format!("{prefix}{}{}", open.repeat(50_000), close.repeat(50_000));
    // The worst text each layer still parses: the most statements its size limit allows.
    let (statement, limit) = [
        ("x=1\n", jitsi_tokens::document::lua::MAX_SOURCE),
        ("x=1;", jitsi_tokens::system::fs::MAX_TEXT as usize),
        ("a=1\n", jitsi_tokens::system::fs::MAX_TEXT as usize),
    ][role];
    let largest = statement.repeat(limit / statement.len());
    let mut garbage = vec![0u8; 1 << 20];
    for b in garbage.iter_mut() {
        *b = rng.next_u64() as u8;
    }
    let mut one_line = b"x = ".to_vec();
    one_line.resize(50 << 20, b'a');
    one_line.extend_from_slice(b" +");
    vec![
        ("a 50 MB file (the stock file and comments)", padded),
        ("a 50 MB one-line file", one_line),
        ("1 MB of random bytes", garbage),
        ("1 MB of NUL bytes", vec![0u8; 1 << 20]),
        ("50,000 nested brackets", nesting.into_bytes()),
        (
            "the largest text the layer parses, all statements",
            largest.into_bytes(),
        ),
    ]
}

#[test]
fn huge_garbage_and_deeply_nested_files_fail_clearly_in_bounded_memory_and_time() {
    let work = tempfile::tempdir().unwrap();
    let root = work.path().join("root");
    common::write_stock(&root, HOST);
    let secret = work.path().join("secret");
    std::fs::write(&secret, "hostile-secret-0123456789abcdefghij\n").unwrap();
    let stock = Tree::capture(&root);
    let rels = reliability::targets(HOST);
    let mut lines = Vec::new();
    let mut failures = Vec::new();
    for (role, rel) in rels.iter().enumerate() {
        for (shape, bytes) in shapes(role, stock.file(rel).unwrap()) {
            std::fs::write(root.join(rel), &bytes).unwrap();
            let run = run_measured(&mut install(&root, &secret, true), None);
            let first = run.stderr.lines().next().unwrap_or("").to_string();
            lines.push(format!(
                "{rel}, {shape}: exit {:?}, {} bytes on stderr, peak RSS {} MB, {}: {}",
                run.code,
                run.stderr.len(),
                run.rss_kb / 1024,
                reliability::ms(run.took),
                &first[..first.len().min(160)]
            ));
            // The largest text a layer parses may be a valid file: only its cost is judged.
            let valid_text = shape.starts_with("the largest text");
            let refused = run.code == Some(2)
                && first.starts_with("error: ")
                && first.contains(rel.as_str())
                && run.stderr.len() <= 4096;
            if !(refused || valid_text && run.code == Some(0))
                || run.rss_kb > MAX_RSS_KB
                || run.took > MAX_TIME
            {
                failures.push(lines.last().unwrap().clone());
            }
            if valid_text {
                std::fs::write(root.join(rel), stock.file(rel).unwrap()).unwrap();
                continue;
            }
            // The real install (not a dry run) writes nothing either.
            let mut real = install(&root, &secret, false);
            let out = real.output().unwrap();
            if out.status.code() != Some(2) || Tree::capture(&root).file(rel) != Some(&bytes[..]) {
                failures.push(format!("{rel}, {shape}: install did not refuse cleanly"));
            }
            std::fs::write(root.join(rel), stock.file(rel).unwrap()).unwrap();
        }
    }
    reliability::report("hostile", &lines.join("\n"));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn endless_secrets_are_refused_in_bounded_memory() {
    let work = tempfile::tempdir().unwrap();
    let root = work.path().join("root");
    common::write_stock(&root, HOST);
    let before = Tree::capture(&root.join("etc"));
    type Feed = Option<Box<dyn FnOnce(std::process::ChildStdin) + Send>>;
    let endless_pipe: Feed = Some(Box::new(|mut pipe| {
        let chunk = b"y\n".repeat(32 << 10);
        while pipe.write_all(&chunk).is_ok() {}
    }));
    let mut lines = Vec::new();
    for (what, source, feed) in [
        ("--app-secret-file /dev/zero", "/dev/zero", None),
        // `yes | jitsi-tokens install --app-secret-file -`
        (
            "--app-secret-file - fed by an endless pipe",
            "-",
            endless_pipe,
        ),
    ] {
        let run = run_measured(&mut install(&root, Path::new(source), false), feed);
        lines.push(format!(
            "{what}: exit {:?}, peak RSS {} MB, {}: {}",
            run.code,
            run.rss_kb / 1024,
            reliability::ms(run.took),
            run.stderr.lines().next().unwrap_or("")
        ));
        assert_eq!(run.code, Some(2), "{what}: {}", run.stderr);
        assert!(run.rss_kb < 64 * 1024, "{what}: {} kB", run.rss_kb);
    }
    assert_eq!(Tree::capture(&root.join("etc")), before);
    reliability::report("hostile", &lines.join("\n"));
}

/// A random value: printable ASCII heavy in quotes and backslashes, Unicode from every plane
/// (combining marks, right-to-left, the BOM, U+2028/2029), Lua's `]]` and `\z`; one in twenty
/// holds a control character and must be refused.
fn random_value(rng: &mut Rng) -> String {
    const TRICKY: &[&str] = &[
        "\"",
        "'",
        "\\",
        "]]",
        "]=]",
        "[[",
        "--",
        "\\z",
        "\\n",
        "${x}",
        "`",
        "$",
        "&",
        "/",
        "<",
        ">",
        "</script>",
        "\u{2028}",
        "\u{2029}",
        "\u{feff}",
        "\u{200b}",
        "\u{202e}",
        "\u{301}",
        "€",
        "😀",
        "\u{10ffff}",
        "\u{fffd}",
        "%",
        "%s",
        "#",
        "{",
        "}",
        "\u{a0}",
    ];
    let mut s = String::new();
    let len = 1 + rng.below(64);
    while s.chars().count() < len {
        match rng.below(10) {
            0..=3 => s.push((0x20 + rng.below(0x5f) as u8) as char),
            4..=5 => s.push_str(TRICKY[rng.below(TRICKY.len())]),
            6 => {
                // Any scalar value outside the control characters.
                let c = loop {
                    let c = char::from_u32(rng.below(0x11_0000) as u32);
                    if let Some(c) = c.filter(|c| !c.is_control()) {
                        break c;
                    }
                };
                s.push(c);
            }
            _ => s.push((b'a' + rng.below(26) as u8) as char),
        }
    }
    if rng.chance(20) {
        let controls = [
            '\0', '\n', '\r', '\t', '\u{7}', '\u{1b}', '\u{7f}', '\u{85}', '\u{9f}',
        ];
        let at = rng.below(s.chars().count() + 1);
        let mut chars: Vec<char> = s.chars().collect();
        chars.insert(at, controls[rng.below(controls.len())]);
        s = chars.into_iter().collect();
    }
    s
}

#[test]
fn ten_thousand_secrets_and_app_ids_round_trip_or_are_refused() {
    let n = reliability::rounds("JT_SECRETS", 10_000);
    let mut rng = Rng::from_env("secrets");
    let values: Vec<String> = (0..2 * n).map(|_| random_value(&mut rng)).collect();
    let (accepted, refused): (Vec<&String>, Vec<&String>) = values
        .iter()
        .partition(|v| validate_printable("app_secret", v).is_ok());
    for v in &refused {
        assert!(
            v.chars().any(char::is_control) || v.len() > 4096,
            "{v:?} refused"
        );
    }

    // Prosody's loader reads every quoted value back, in both quote styles the planner writes.
    let dir = tempfile::tempdir().unwrap();
    let mut config = String::from("VirtualHost \"h\"\n");
    for (i, v) in accepted.iter().enumerate() {
        let quoted = if i % 2 == 0 {
            lua::quote(v)
        } else {
            lua::quote_like(v, "'old'")
        };
        config.push_str(&format!("    v{i} = {quoted}\n"));
    }
    let lua_file = dir.path().join("values.cfg.lua");
    std::fs::write(&lua_file, &config).unwrap();
    let read = common::oracles::prosody_config(&lua_file);
    for (i, v) in accepted.iter().enumerate() {
        assert_eq!(
            read["h"][format!("v{i}")],
            v.as_str(),
            "Prosody reads v{i} otherwise"
        );
    }
    // Our own Lua layer decodes them the same way (uninstall compares values through it).
    for v in &accepted {
        let doc = lua::parse(&format!("x = {}", lua::quote(v))).unwrap();
        let value = doc.statements()[0].assigned().unwrap().1;
        assert!(value.as_string().unwrap().eq_str(v), "{v:?}");
    }

    // Node.js reads every js::quote literal back.
    let mut program = String::from("const values = [\n");
    for v in &accepted {
        program.push_str(&js::quote(v));
        program.push_str(",\n");
    }
    program.push_str("];\nprocess.stdout.write(JSON.stringify(values));\n");
    let back = common::oracles::node_eval_json(&program);
    let back: Vec<String> = serde_json::from_value(back).unwrap();
    assert_eq!(back.len(), accepted.len());
    for (v, b) in accepted.iter().zip(&back) {
        assert_eq!(*v, b, "Node.js reads {v:?} otherwise");
    }

    // End to end through the binary: a sample as secret and app id; refused ones exit 2.
    let sample = reliability::rounds("JT_SECRETS_E2E", 40);
    let work = tempfile::tempdir().unwrap();
    let mut e2e_ok = 0;
    let mut e2e_refused = 0;
    for k in 0..sample {
        let secret = values[rng.below(values.len())].clone();
        // An argument cannot hold NUL: the kernel's argv is NUL-terminated.
        let app_id = values[rng.below(values.len())].replace('\0', "\u{1}");
        let root = work.path().join(format!("r{k}"));
        common::write_stock(&root, HOST);
        let before = Tree::capture(&root.join("etc"));
        let secret_file = work.path().join(format!("s{k}"));
        std::fs::write(&secret_file, format!("{secret}\n")).unwrap();
        let out = common::bin()
            .args(["install", "--non-interactive", "--no-restart"])
            // `=` so that an app id starting with `-` is not taken for a flag.
            .arg(format!("--app-id={app_id}"))
            .arg("--root")
            .arg(&root)
            .arg("--app-secret-file")
            .arg(&secret_file)
            .output()
            .unwrap();
        // The file's line break is not part of the secret, and `\r\n` is a line break too: a
        // secret ending in CR loses it, as it would coming from a Windows editor.
        let seen = secret.strip_suffix('\r').unwrap_or(&secret);
        let valid =
            validate_printable("s", seen).is_ok() && validate_printable("s", &app_id).is_ok();
        if valid {
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let file = root.join(&reliability::targets(HOST)[0]);
            let read = common::oracles::prosody_config(&file);
            assert_eq!(read[HOST]["app_secret"], seen);
            assert_eq!(read[HOST]["app_id"], app_id.as_str());
            e2e_ok += 1;
        } else {
            assert_eq!(out.status.code(), Some(2), "{secret:?} / {app_id:?}");
            assert_eq!(
                Tree::capture(&root.join("etc")),
                before,
                "a refused run wrote something"
            );
            e2e_refused += 1;
        }
    }
    // A secret file that is not UTF-8 is refused too.
    let root = work.path().join("latin1");
    common::write_stock(&root, HOST);
    let latin1 = work.path().join("latin1-secret");
    std::fs::write(&latin1, b"caf\xe9-secret-0123456789abcdef\n").unwrap();
    let out = install(&root, &latin1, false).output().unwrap();
    assert_eq!(out.status.code(), Some(2));

    reliability::report(
        "hostile",
        &format!(
            "{} random values ({n} secrets and {n} app ids): {} read back exactly by Prosody's loader (both quote styles) and by Node.js, {} refused (control characters); end to end through the binary: {e2e_ok} installed and read back by Prosody, {e2e_refused} refused with exit 2 and nothing written",
            values.len(),
            accepted.len(),
            refused.len()
        ),
    );
}
