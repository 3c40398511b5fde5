//! `cargo bench --bench check`: how fast `jitsi-tokens check` is, measured against what a careful
//! admin runs today, and on trees of many hosts (issue 3). A benchmark, not a test: it prints a
//! Markdown report for BENCHMARKS.md and asserts nothing.
//!
//! 1. One configured Debian host (`../shared/fixtures/debian-default` when present, with the
//!    upstream 82 KB config.js, else the project's own stock host), after `jitsi-tokens install`:
//!    `jitsi-tokens check` (live root, and PATH) versus `prosodyctl check config` on a temporary
//!    main config that includes the host file, `node --check` on config.js, and a Typesafe
//!    Config parse and resolve of jicofo.conf (the library jicofo uses, in a class compiled once).
//! 2. Tree mode: 10, 100, 1,000 and 10,000 generated hosts, one directory each (the project's
//!    own configured stock host, renamed), checked with `jitsi-tokens check DIR`.
//!
//! Wall times are medians of separate runs; peak RSS comes from GNU time (`/usr/bin/time`).
//! Options (after `--`): `--runs N` (default 21), `--tree-runs N` (default 5), `--max-hosts N`.

#[path = "../tests/common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use common::{copy_tree, oracles};

const BIN: &str = env!("CARGO_BIN_EXE_jitsi-tokens");
const HOST: &str = "meet.example.org";

struct Options {
    runs: usize,
    tree_runs: usize,
    max_hosts: usize,
}

fn options() -> Options {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let get = |name: &str, default: usize| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    Options {
        runs: get("--runs", 21),
        tree_runs: get("--tree-runs", 5),
        max_hosts: get("--max-hosts", 10_000),
    }
}

/// A command to measure, and whether its exit status counts as success.
struct Probe {
    name: String,
    argv: Vec<String>,
    dir: PathBuf,
    ok: fn(i32) -> bool,
}

struct Measured {
    median_ms: f64,
    min_ms: f64,
    rss_kb: Option<u64>,
    /// User + system CPU time of one run: what the work costs, whatever else the machine runs.
    cpu_ms: Option<f64>,
}

fn measure(p: &Probe, runs: usize) -> Measured {
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        let status = Command::new(&p.argv[0])
            .args(&p.argv[1..])
            .current_dir(&p.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap_or_else(|e| panic!("{}: cannot run {}: {e}", p.name, p.argv[0]));
        times.push(start.elapsed().as_secs_f64() * 1000.0);
        let code = status.code().unwrap_or(-1);
        assert!((p.ok)(code), "{} exited {code}: {:?}", p.name, p.argv);
    }
    times.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let (rss_kb, cpu_ms) = gnu_time(p).unzip();
    Measured {
        median_ms: times[times.len() / 2],
        min_ms: times[0],
        rss_kb,
        cpu_ms,
    }
}

/// Peak RSS (KB) and user + system CPU time (ms) of one run, from GNU time; `None` when it is
/// not installed.
fn gnu_time(p: &Probe) -> Option<(u64, f64)> {
    if !Path::new("/usr/bin/time").exists() {
        return None;
    }
    let out = Command::new("/usr/bin/time")
        .args(["-f", "%M %U %S"])
        .args(&p.argv)
        .current_dir(&p.dir)
        .stdout(Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stderr);
    let mut fields = text.lines().last()?.split_whitespace();
    let rss = fields.next()?.parse().ok()?;
    let user: f64 = fields.next()?.parse().ok()?;
    let sys: f64 = fields.next()?.parse().ok()?;
    Some((rss, (user + sys) * 1000.0))
}

fn mb(kb: Option<u64>) -> String {
    kb.map_or("n/a".to_string(), |k| format!("{:.1}", k as f64 / 1024.0))
}

fn ms(v: Option<f64>) -> String {
    v.map_or("n/a".to_string(), |v| format!("{v:.0}"))
}

/// The 1-minute load average: how busy the machine was while measuring.
fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".into())
}

fn run(cmd: &mut Command, what: &str) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A configured host under `root`: `source`'s files (or the stock host), then install, then
/// the conf.d link the package makes.
fn configured_host(root: &Path, source: Option<&Path>) {
    match source {
        Some(s) => copy_tree(s, root),
        None => run(
            Command::new(BIN)
                .args(["generate", "stock-host", "--out-dir"])
                .arg(root),
            "generate stock-host",
        ),
    }
    run(
        Command::new(BIN)
            .args(["install", "--root"])
            .arg(root)
            .args([
                "--app-id",
                "bench",
                "--generate-secret",
                "--no-restart",
                "--non-interactive",
            ]),
        "install",
    );
    let conf_d = root.join("etc/prosody/conf.d");
    std::fs::create_dir_all(&conf_d).unwrap();
    let _ = std::os::unix::fs::symlink(
        format!("/etc/prosody/conf.avail/{HOST}.cfg.lua"),
        conf_d.join(format!("{HOST}.cfg.lua")),
    );
}

/// A Typesafe Config parse + resolve of one file, as jicofo reads it, compiled once.
fn typesafe_class(dir: &Path) -> PathBuf {
    let jar = "/usr/share/java/typesafe-config.jar";
    assert!(
        Path::new(jar).exists(),
        "apt-get install -y libtypesafe-config-java"
    );
    std::fs::write(
        dir.join("ParseConf.java"),
        "import com.typesafe.config.*;\n\
         public class ParseConf {\n\
           public static void main(String[] a) {\n\
             Config c = ConfigFactory.parseFile(new java.io.File(a[0])).resolve();\n\
             System.out.println(c.hasPath(\"jicofo.authentication.enabled\"));\n\
           }\n\
         }\n",
    )
    .unwrap();
    run(
        Command::new("javac")
            .args(["-cp", jar, "-d"])
            .arg(dir)
            .arg(dir.join("ParseConf.java")),
        "javac (apt-get install -y default-jdk-headless)",
    );
    dir.to_path_buf()
}

fn argv(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|s| s.to_string()).collect()
}

fn row(name: &str, m: &Measured) -> String {
    format!(
        "| {name} | {:.1} | {:.1} | {} | {} |",
        m.median_ms,
        m.min_ms,
        ms(m.cpu_ms),
        mb(m.rss_kb)
    )
}

/// `n` configured hosts below `dir`, one directory each.
fn generate_tree(dir: &Path, n: usize, host: &[(String, String)]) {
    for i in 0..n {
        let name = format!("h{i}.example.org");
        let site = dir.join(format!("site-{i:05}"));
        for (rel, text) in host {
            let path = site.join(rel.replace(HOST, &name));
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text.replace(HOST, &name)).unwrap();
        }
    }
}

fn main() {
    // `cargo bench` passes `--bench`; ignore what is not ours.
    let opts = options();
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();

    // 1. One configured host against the admin's trio.
    let shared = common::shared_fixtures().map(|s| s.join("debian-default"));
    let host_root = t.join("host");
    std::fs::create_dir_all(&host_root).unwrap();
    configured_host(&host_root, shared.as_deref());
    let prosody_file = host_root.join(format!("etc/prosody/conf.avail/{HOST}.cfg.lua"));
    let meet_file = host_root.join(format!("etc/jitsi/meet/{HOST}-config.js"));
    let jicofo_file = host_root.join("etc/jitsi/jicofo/jicofo.conf");
    let size = |p: &Path| std::fs::metadata(p).map_or(0, |m| m.len());
    let prosody_dir = t.join("prosodyctl");
    std::fs::create_dir_all(&prosody_dir).unwrap();
    let main_config = oracles::prosodyctl_config(&prosody_dir, &prosody_file);
    let classes = typesafe_class(&t.join("classes").tap_mkdir());
    let jar_cp = format!("/usr/share/java/typesafe-config.jar:{}", classes.display());
    let host_root_s = host_root.display().to_string();
    let probes = [
        Probe {
            name: "`jitsi-tokens check --root HOST_ROOT`".into(),
            argv: argv(&[BIN, "check", "--root", &host_root_s]),
            dir: t.to_path_buf(),
            ok: |c| c == 0,
        },
        Probe {
            name: "`jitsi-tokens check HOST_ROOT` (PATH mode)".into(),
            argv: argv(&[BIN, "check", &host_root_s]),
            dir: t.to_path_buf(),
            ok: |c| c == 0,
        },
        Probe {
            name: "`prosodyctl --config TMP check config`".into(),
            argv: argv(&[
                "prosodyctl",
                "--config",
                &main_config.display().to_string(),
                "check",
                "config",
            ]),
            dir: t.to_path_buf(),
            // 2: warnings only (the stock template warns about cross_domain_bosh).
            ok: |c| c == 0 || c == 2,
        },
        Probe {
            name: "`node --check config.js`".into(),
            argv: argv(&["node", "--check", &meet_file.display().to_string()]),
            dir: t.to_path_buf(),
            ok: |c| c == 0,
        },
        Probe {
            name: "Typesafe Config parse + resolve of jicofo.conf (JVM)".into(),
            argv: argv(&[
                "java",
                "-cp",
                &jar_cp,
                "ParseConf",
                &jicofo_file.display().to_string(),
            ]),
            dir: t.to_path_buf(),
            ok: |c| c == 0,
        },
    ];
    let results: Vec<Measured> = probes.iter().map(|p| measure(p, opts.runs)).collect();
    println!("## One configured host\n");
    println!(
        "Host: {} (Prosody file {} B, config.js {} B, jicofo.conf {} B), after `jitsi-tokens install`; \
         {} runs each.\n",
        if shared.is_some() {
            "../shared/fixtures/debian-default"
        } else {
            "the project's stock host"
        },
        size(&prosody_file),
        size(&meet_file),
        size(&jicofo_file),
        opts.runs
    );
    println!("| command | median ms | min ms | CPU ms | peak RSS MB |\n|---|---|---|---|---|");
    for (p, m) in probes.iter().zip(&results) {
        println!("{}", row(&p.name, m));
    }
    let trio: f64 = results[2..].iter().map(|m| m.median_ms).sum();
    let trio_min: f64 = results[2..].iter().map(|m| m.min_ms).sum();
    let trio_rss = results[2..].iter().filter_map(|m| m.rss_kb).max();
    println!(
        "| the trio, one after the other | {trio:.1} | {trio_min:.1} | {} | {} (largest) |",
        ms(results[2..].iter().map(|m| m.cpu_ms).sum()),
        mb(trio_rss)
    );
    println!(
        "\n`check --root` is **{:.0}x** faster than the trio (median against the sum of medians; \
         {:.0}x by minimum). Load average while measuring: {}.\n",
        trio / results[0].median_ms,
        trio_min / results[0].min_ms,
        load()
    );

    // 2. Tree mode.
    let stock = t.join("stock");
    std::fs::create_dir_all(&stock).unwrap();
    configured_host(&stock, None);
    let host_files: Vec<(String, String)> = [
        format!("etc/prosody/conf.avail/{HOST}.cfg.lua"),
        format!("etc/jitsi/meet/{HOST}-config.js"),
        "etc/jitsi/jicofo/jicofo.conf".to_string(),
    ]
    .into_iter()
    .map(|rel| {
        let text = std::fs::read_to_string(stock.join(&rel)).unwrap();
        (rel, text)
    })
    .collect();
    println!("## Tree mode\n");
    println!(
        "Generated hosts, one directory each: the project's stock host after install, renamed \
         ({} B of files per host); `jitsi-tokens check DIR`, {} runs each.\n",
        host_files.iter().map(|(_, t)| t.len()).sum::<usize>(),
        opts.tree_runs
    );
    println!(
        "| hosts | files | median ms | min ms | CPU ms | peak RSS MB | hosts/s | load |\n\
         |---|---|---|---|---|---|---|---|"
    );
    for n in [10, 100, 1_000, 10_000] {
        if n > opts.max_hosts {
            break;
        }
        let dir = t.join(format!("tree-{n}"));
        generate_tree(&dir, n, &host_files);
        let probe = Probe {
            name: format!("{n}"),
            argv: argv(&[BIN, "check", "--format", "json", "."]),
            dir: dir.clone(),
            ok: |c| c == 0,
        };
        // One run to warm the page cache, as for the single host above.
        let _ = measure(&probe, 1);
        let m = measure(&probe, opts.tree_runs);
        println!(
            "| {n} | {} | {:.1} | {:.1} | {} | {} | {:.0} | {} |",
            n * 3,
            m.median_ms,
            m.min_ms,
            ms(m.cpu_ms),
            mb(m.rss_kb),
            n as f64 / (m.median_ms / 1000.0),
            load()
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
    println!(
        "\nMachine: {} cores; `cargo bench --bench check` reproduces this.",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
}

trait TapMkdir {
    fn tap_mkdir(self) -> Self;
}

impl TapMkdir for PathBuf {
    fn tap_mkdir(self) -> Self {
        std::fs::create_dir_all(&self).unwrap();
        self
    }
}
