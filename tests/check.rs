//! `jitsi-tokens check` (issue 3): every rule on its own fixture with inline markers, the stock
//! Debian host flagged and clean after `install`, the docker layout, lone files, a live root, a
//! generated tree of many hosts, every exit code, and files the real programs accept never get
//! a syntax finding.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::{copy_tree, oracles, read, write};
use serde_json::Value;

const HOST: &str = "meet.example.org";

fn check_fixtures() -> PathBuf {
    common::fixtures().join("check")
}

/// Runs `jitsi-tokens ARGS` in `dir` without a terminal.
fn run_in(dir: &Path, args: &[&str]) -> Output {
    common::bin()
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .output()
        .expect("the binary runs")
}

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}):\n{}\n{}",
            common::stdout(out),
            common::stderr(out)
        )
    })
}

/// `check --format json` on `dir` (as `.`, so paths are relative): the findings as
/// (path, line, code), sorted, and the exit code.
fn findings_in(dir: &Path, extra: &[&str]) -> (Vec<(String, u64, String)>, i32, Value) {
    let mut args = vec!["check", "--format", "json"];
    args.extend_from_slice(extra);
    if !extra.iter().any(|a| !a.starts_with('-')) {
        args.push(".");
    }
    let out = run_in(dir, &args);
    let json = json_of(&out);
    let mut found: Vec<(String, u64, String)> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    found.sort();
    (found, out.status.code().unwrap(), json)
}

/// Every `expect: CODE` / `expect-next: CODE` marker in the files below `dir`.
fn markers(dir: &Path) -> Vec<(String, u64, String)> {
    let mut out = Vec::new();
    for file in files_below(dir) {
        let rel = file.strip_prefix(dir).unwrap().display().to_string();
        let text = std::fs::read_to_string(&file).unwrap();
        for (i, line) in text.lines().enumerate() {
            for (tag, offset) in [("expect-next:", 1), ("expect:", 0)] {
                let Some(at) = line.find(tag) else {
                    continue;
                };
                if tag == "expect:" && line[..at].ends_with("-next") {
                    continue;
                }
                let codes = line[at + tag.len()..]
                    .split(|c: char| !(c.is_ascii_alphanumeric() || c == ','))
                    .find(|s| !s.is_empty())
                    .unwrap_or_default();
                for code in codes.split(',').filter(|c| c.starts_with("JT")) {
                    out.push((rel.clone(), (i + 1 + offset) as u64, code.to_string()));
                }
            }
        }
    }
    out.sort();
    out
}

fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files_below(&path));
        } else {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// The baseline host with `case` applied (see tests/fixtures/check/README.md), in a temporary
/// directory. `case` is a path below tests/fixtures/check without `.case`; empty for the
/// baseline itself.
fn case_tree(case: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&check_fixtures().join("baseline"), dir.path());
    if !case.is_empty() {
        let spec = check_fixtures().join(format!("{case}.case"));
        apply_case(&std::fs::read_to_string(&spec).unwrap(), dir.path(), case);
    }
    dir
}

/// Applies a case: `=== PATH` opens a file; hunks of ` ` (context), `-` (removed) and `+`
/// (added) lines, separated by `...`, each replace the one place the old lines occur (an
/// empty line is an empty context line); a hunk with no old lines appends (or creates).
fn apply_case(spec: &str, root: &Path, case: &str) {
    let mut file: Option<PathBuf> = None;
    let mut hunk: Vec<&str> = Vec::new();
    let flush = |file: &Option<PathBuf>, hunk: &mut Vec<&str>| {
        if hunk.is_empty() {
            return;
        }
        let path = file.as_ref().expect("a hunk follows a === line");
        let (mut old, mut new) = (String::new(), String::new());
        for line in hunk.drain(..) {
            let (tag, text) = line.split_at(line.len().min(1));
            match tag {
                " " | "" => {
                    old.push_str(text);
                    old.push('\n');
                    new.push_str(text);
                    new.push('\n');
                }
                "-" => {
                    old.push_str(text);
                    old.push('\n');
                }
                "+" => {
                    new.push_str(text);
                    new.push('\n');
                }
                _ => panic!("{case}: bad case line {line:?}"),
            }
        }
        let current = std::fs::read_to_string(path).unwrap_or_default();
        let changed = if old.is_empty() {
            current + &new
        } else {
            assert_eq!(
                current.matches(&old).count(),
                1,
                "{case}: the old lines must occur exactly once in {}:\n{old}",
                path.display()
            );
            current.replacen(&old, &new, 1)
        };
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, changed).unwrap();
    };
    for line in spec.lines() {
        if let Some(rel) = line.strip_prefix("=== ") {
            flush(&file, &mut hunk);
            file = Some(root.join(rel));
        } else if line == "..." {
            flush(&file, &mut hunk);
        } else if file.is_some() {
            hunk.push(line);
        }
    }
    flush(&file, &mut hunk);
}

fn codes(found: &[(String, u64, String)]) -> Vec<&str> {
    let mut c: Vec<&str> = found.iter().map(|f| f.2.as_str()).collect();
    c.sort();
    c.dedup();
    c
}

#[test]
fn every_rule_fires_exactly_where_its_fixture_says() {
    let rules_dir = check_fixtures().join("rules");
    let mut cases: Vec<String> = std::fs::read_dir(&rules_dir)
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            name.strip_suffix(".case").map(str::to_string)
        })
        .collect();
    cases.sort();
    let mut failures = Vec::new();
    for case in &cases {
        let tree = case_tree(&format!("rules/{case}"));
        let expected = markers(tree.path());
        assert!(
            expected.iter().any(|m| &m.2 == case),
            "{case}: its fixture marks no {case} finding"
        );
        let (found, code, _) = findings_in(tree.path(), &[]);
        if found != expected {
            failures.push(format!(
                "{case}:\n  expected {expected:?}\n  found    {found:?}"
            ));
        }
        let errors = found.iter().any(|f| {
            jitsi_tokens::rules::find(&f.2).unwrap().severity
                == jitsi_tokens::rules::Severity::Error
        });
        assert_eq!(code, if errors { 1 } else { 0 }, "{case}: exit code");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Rules that need a live root have tests of their own below.
    let live = ["JT401", "JT402"];
    for rule in jitsi_tokens::rules::RULES {
        assert!(
            cases.iter().any(|c| c == rule.code) || live.contains(&rule.code),
            "{} has no case in tests/fixtures/check/rules",
            rule.code
        );
    }
}

#[test]
fn the_baseline_is_clean_and_the_real_programs_accept_it() {
    let base = check_fixtures().join("baseline");
    let (found, code, json) = findings_in(&base, &[]);
    assert_eq!(found, vec![]);
    assert_eq!(code, 0);
    assert_eq!(json["files_checked"], 3);
    let config = oracles::prosody_config(&base.join(common::prosody_rel(HOST)));
    assert_eq!(config[HOST]["authentication"], "token");
    let meet = oracles::meet_config(&base.join(common::meet_rel(HOST)));
    assert_eq!(meet["hosts"]["anonymousdomain"], "guest.meet.example.org");
    assert_eq!(
        oracles::jicofo_auth_enabled(&[&base.join(common::JICOFO)]),
        vec![None]
    );
}

/// The rule fixtures the real programs accept get no syntax finding; those they refuse get
/// exactly one, from the right rule.
#[test]
fn syntax_findings_agree_with_the_real_programs() {
    for case in ["JT001", "JT102", "JT121"] {
        let tree = case_tree(&format!("rules/{case}"));
        let file = tree.path().join(common::prosody_rel(HOST));
        let loads = oracles::prosody_load_error(&file).is_none();
        assert_eq!(loads, case != "JT001", "{case}: Prosody's loader");
    }
    for case in ["JT002", "JT133"] {
        let tree = case_tree(&format!("rules/{case}"));
        let file = tree.path().join(common::meet_rel(HOST));
        let ok = std::process::Command::new("node")
            .arg("--check")
            .arg(&file)
            .status()
            .expect("node is missing; install it: apt-get install -y nodejs")
            .success();
        assert_eq!(ok, case != "JT002", "{case}: node --check");
    }
}

/// Lua long strings and comments, docker-jitsi-meet's SSI lines, HOCON substitutions, includes,
/// triple quotes, `+=` and unquoted strings: all valid, none reported as a syntax error.
#[test]
fn valid_but_unusual_files_get_no_syntax_finding() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    copy_tree(&check_fixtures().join("baseline"), root);
    let lua = read(root, &common::prosody_rel(HOST)).replace(
        "muc_mapper_domain_base = \"meet.example.org\"\n",
        "muc_mapper_domain_base = \"meet.example.org\"\n--[==[ a long comment\n ]] still inside\n]==]\n\
         motd_text = [[\nWelcome; \"quotes\" and ]=] stay\n]]\nlimits = { c2s = { rate = \"10kb/s\"; }, }\n",
    );
    write(root, &common::prosody_rel(HOST), &lua);
    let js = read(root, &common::meet_rel(HOST)).replace(
        "var config = {",
        "var subdir = '<!--# echo var=\"subdir\" default=\"\" -->';\n\
         var subdomain = \"<!--# echo var=\"subdomain\" default=\"\" -->\";\nvar config = {",
    ) + "config.hosts.muc = 'conference.<!--# echo var=\"subdomain\" default=\"\" -->meet.example.org';\n";
    write(root, &common::meet_rel(HOST), &js);
    let conf = read(root, common::JICOFO)
        + "include \"other.conf\"\ninclude required(file(\"/dev/null\"))\n\
           jicofo.xmpp.client.password = ${?JICOFO_AUTH_PASSWORD}\n\
           jicofo.bridge.brewery-jid = ${jicofo.xmpp.client.domain}\n\
           jicofo.note = \"\"\"a \"triple\" quoted\nstring\"\"\"\n\
           jicofo.trusted = [ recorder.meet.example.org ]\n\
           jicofo.trusted += jibri.meet.example.org\n\
           jicofo.conference.max-ssrcs-per-user = 20 // a comment\n\
           jicofo { health { enabled = true, interval = 10 seconds } }\n";
    write(root, common::JICOFO, &conf);
    let (found, code, _) = findings_in(root, &[]);
    // config.js's later `config.hosts.muc` statement names the component through SSI: only
    // JT204 may fire for it (the directive makes the name unknown until served).
    let syntax: Vec<_> = found.iter().filter(|f| f.2.as_str() < "JT100").collect();
    assert!(syntax.is_empty(), "{syntax:?}");
    assert_eq!(code, 0, "{found:?}");
}

#[test]
fn stock_debian_host_is_flagged_and_clean_after_install() {
    let Some(shared) = common::shared_fixtures_or_note("stock_debian_host_is_flagged") else {
        return;
    };
    let stock = shared.join("debian-default");
    let (found, code, json) = findings_in(&stock, &[]);
    assert_eq!(code, 1);
    assert_eq!(
        codes(&found),
        [
            "JT102", "JT103", "JT104", "JT112", "JT121", "JT122", "JT130"
        ]
    );
    assert_eq!(json["files_checked"], 3);

    let dir = tempfile::tempdir().unwrap();
    copy_tree(&stock, dir.path());
    install(dir.path(), &[]);
    let (found, code, _) = findings_in(dir.path(), &[]);
    assert_eq!((found.as_slice(), code), (&[][..], 0));
    // On the live root too, once conf.d links the host file as the package does.
    std::fs::create_dir_all(dir.path().join("etc/prosody/conf.d")).unwrap();
    std::os::unix::fs::symlink(
        format!("/etc/prosody/conf.avail/{HOST}.cfg.lua"),
        dir.path()
            .join(format!("etc/prosody/conf.d/{HOST}.cfg.lua")),
    )
    .unwrap();
    let root = dir.path().to_str().unwrap();
    let out = run_in(dir.path(), &["check", "--root", root]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stdout(&out));
    assert!(common::stdout(&out).contains("no problems found"));
}

#[test]
fn upstream_variants_are_flagged_for_what_they_lack() {
    let Some(shared) = common::shared_fixtures_or_note("upstream_variants_are_flagged") else {
        return;
    };
    let (found, _, _) = findings_in(&shared.join("tokens-postinst"), &[]);
    assert_eq!(codes(&found), ["JT105", "JT112", "JT122", "JT130"]);
    let (found, _, _) = findings_in(&shared.join("outdated-jicofo-auth"), &[]);
    assert!(codes(&found).contains(&"JT301"), "{found:?}");
    // The upstream templates and config.js parse; only host rules fire on them.
    for file in [
        "prosody.cfg.lua-jvb.example",
        "config.js",
        "jicofo-reference.conf",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let name = match file {
            "config.js" => "config.js".to_string(),
            "jicofo-reference.conf" => "jicofo.conf".to_string(),
            _ => "jitmeet.example.com.cfg.lua".to_string(),
        };
        std::fs::copy(shared.join("upstream").join(file), dir.path().join(&name)).unwrap();
        let (found, _, _) = findings_in(dir.path(), &[&name]);
        let syntax: Vec<_> = found.iter().filter(|f| f.2.as_str() < "JT100").collect();
        assert!(syntax.is_empty(), "{file}: {syntax:?}");
    }
}

#[test]
fn our_own_stock_host_is_flagged_and_clean_after_install() {
    let dir = tempfile::tempdir().unwrap();
    common::write_stock(dir.path(), HOST);
    let (found, code, _) = findings_in(dir.path(), &[]);
    assert_eq!(code, 1);
    assert!(codes(&found).contains(&"JT102"), "{found:?}");
    install(dir.path(), &[]);
    let (found, code, _) = findings_in(dir.path(), &[]);
    assert_eq!((found.as_slice(), code), (&[][..], 0));
}

/// `jitsi-tokens install` on the Debian layout under `root`, with a generated secret.
fn install(root: &Path, extra: &[&str]) {
    let mut args = vec![
        "install",
        "--root",
        root.to_str().unwrap(),
        "--app-id",
        "myapp",
        "--generate-secret",
        "--no-restart",
        "--non-interactive",
    ];
    args.extend_from_slice(extra);
    let out = run_in(root, &args);
    assert!(out.status.success(), "{}", common::stderr(&out));
}

/// docker-jitsi-meet's config directory: `prosody/config/conf.d/jitsi-meet.cfg.lua`,
/// `web/config.js` (with nginx SSI lines), `jicofo/jicofo.conf`.
fn docker_tree(from_debian_root: &Path, host: &str, into: &Path) {
    for (from, to) in [
        (
            common::prosody_rel(host),
            "prosody/config/conf.d/jitsi-meet.cfg.lua".to_string(),
        ),
        (common::meet_rel(host), "web/config.js".to_string()),
        (common::JICOFO.to_string(), "jicofo/jicofo.conf".to_string()),
    ] {
        write(into, &to, &read(from_debian_root, &from));
    }
}

#[test]
fn docker_layout_is_found_flagged_and_clean_after_install() {
    let docker = common::fixtures().join("install/docker");
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("docker-cfg");
    docker_tree(&docker, "meet.jitsi", &cfg);
    let (found, code, json) = findings_in(dir.path(), &[]);
    assert_eq!(code, 1);
    assert!(codes(&found).contains(&"JT102"), "{found:?}");
    assert!(
        !codes(&found).iter().any(|c| *c < "JT100"),
        "SSI lines are JavaScript once served: {found:?}"
    );
    assert!(
        found.iter().all(|f| f.0.starts_with("docker-cfg/")),
        "{found:?}"
    );
    assert_eq!(json["files_checked"], 3);

    // The same files after install (run on a Debian layout of them), moved back: clean.
    let debian = tempfile::tempdir().unwrap();
    copy_tree(&docker, debian.path());
    install(debian.path(), &["--hostname", "meet.jitsi"]);
    docker_tree(debian.path(), "meet.jitsi", &cfg);
    let (found, code, _) = findings_in(dir.path(), &[]);
    assert_eq!((found.as_slice(), code), (&[][..], 0));
}

#[test]
fn lone_files_get_the_checks_that_apply_to_them_alone() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "config.js",
        "var config = { hosts: { domain: 'a.org', anonymousdomain: 'a.org' } };\n",
    );
    write(d, "jicofo.conf", "jicofo.authentication.enabled = true\n");
    write(
        d,
        "sip-communicator.properties",
        "org.jitsi.jicofo.auth.URL=XMPP:a.org\n",
    );
    write(
        d,
        "a.org.cfg.lua",
        "VirtualHost \"a.org\"\n  authentication = \"token\"\n  app_id = \"x\"\n  app_secret = \"myappsecret\"\n",
    );
    let (found, _, json) = findings_in(d, &["config.js"]);
    assert_eq!(codes(&found), ["JT133"]);
    assert_eq!(json["files_checked"], 1);
    let (found, _, _) = findings_in(d, &["sip-communicator.properties"]);
    assert_eq!(codes(&found), ["JT303"]);
    let (found, _, _) = findings_in(d, &["a.org.cfg.lua"]);
    // A lone Prosody file: host rules (its VirtualHost is named like the file), not config.js's.
    assert!(codes(&found).contains(&"JT105"), "{found:?}");
    assert!(codes(&found).contains(&"JT120"), "{found:?}");
    assert!(
        !codes(&found).iter().any(|c| c.starts_with("JT2")),
        "{found:?}"
    );
    let (found, code, _) = findings_in(d, &["jicofo.conf"]);
    assert!(code == 1 || found.is_empty(), "{found:?}");
    // A directory with no config set is an error, not a silent pass.
    let out = run_in(d, &["check", "."]);
    assert_eq!(out.status.code(), Some(2));
    assert!(common::stderr(&out).contains("found no Jitsi config set"));
}

#[test]
fn a_file_of_a_layout_is_checked_with_its_set() {
    let tree = case_tree("rules/JT202");
    // pre-commit passes only the changed Prosody file; config.js's finding still appears.
    let (found, _, json) = findings_in(tree.path(), &[&common::prosody_rel(HOST)]);
    assert_eq!(codes(&found), ["JT202"]);
    assert_eq!(json["files_checked"], 3);
    // Named twice over (a file, its directory, a directory inside it): checked once.
    let (found, _, json) = findings_in(
        tree.path(),
        &[
            &common::meet_rel(HOST),
            ".",
            "etc",
            &common::prosody_rel(HOST),
        ],
    );
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(json["files_checked"], 3);
}

#[cfg(unix)]
#[test]
fn live_root_permissions_and_conf_d_link() {
    use std::os::unix::fs::{PermissionsExt, symlink};
    let tree = case_tree("");
    let root = tree.path();
    let file = root.join(common::prosody_rel(HOST));
    let conf_d = root.join("etc/prosody/conf.d");
    std::fs::create_dir_all(&conf_d).unwrap();
    let link = conf_d.join(format!("{HOST}.cfg.lua"));
    let root_s = root.to_str().unwrap();

    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (found, code, _) = findings_in(root, &["--root", root_s]);
    let paths: Vec<&str> = found.iter().map(|f| f.0.as_str()).collect();
    assert_eq!(codes(&found), ["JT401", "JT402"], "{found:?}");
    assert!(
        paths
            .iter()
            .all(|p| p.ends_with(&format!("conf.avail/{HOST}.cfg.lua")))
    );
    assert_eq!(code, 1);

    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
    symlink(format!("/etc/prosody/conf.avail/{HOST}.cfg.lua"), &link).unwrap();
    let (found, code, _) = findings_in(root, &["--root", root_s]);
    assert_eq!((found.as_slice(), code), (&[][..], 0));

    // A copy in conf.d, or a link elsewhere, is reported too.
    std::fs::remove_file(&link).unwrap();
    std::fs::copy(&file, &link).unwrap();
    let out = run_in(root, &["check", "--root", root_s]);
    assert!(
        common::stdout(&out).contains("separate copy"),
        "{}",
        common::stdout(&out)
    );
    std::fs::remove_file(&link).unwrap();
    symlink("/etc/prosody/conf.avail/other.cfg.lua", &link).unwrap();
    let out = run_in(root, &["check", "--root", root_s, "--format", "json"]);
    assert!(common::stdout(&out).contains("JT402"));
    // In a repository (PATH mode) permissions and links are not the deployment's: no JT4xx.
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (found, _, _) = findings_in(root, &[]);
    assert_eq!(found, vec![]);
}

/// 300 generated hosts, one directory each: every broken one is reported, in order, the same
/// every run (workers finish in any order).
#[test]
fn a_generated_tree_of_many_hosts() {
    let dir = tempfile::tempdir().unwrap();
    let base = check_fixtures().join("baseline");
    let texts: Vec<(String, String)> = [
        common::prosody_rel(HOST),
        common::meet_rel(HOST),
        common::JICOFO.to_string(),
    ]
    .into_iter()
    .map(|rel| (rel.clone(), read(&base, &rel)))
    .collect();
    let mut expected = 0;
    for i in 0..300 {
        let host = format!("h{i}.example.org");
        let hdir = dir.path().join(format!("site-{i:03}"));
        for (rel, text) in &texts {
            let mut text = text.replace(HOST, &host);
            if i % 7 == 0 && rel.ends_with(".cfg.lua") {
                text = text.replace(
                    "authentication = \"token\"",
                    "authentication = \"internal_hashed\"",
                );
                expected += 1;
            }
            write(&hdir, &rel.replace(HOST, &host), &text);
        }
    }
    let (found, code, json) = findings_in(dir.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(json["files_checked"], 900);
    assert_eq!(found.len(), expected);
    assert!(found.iter().all(|f| f.2 == "JT102"));
    let again = run_in(dir.path(), &["check", "--format", "json", "."]);
    assert_eq!(
        serde_json::to_string(&json).unwrap(),
        serde_json::to_string(&json_of(&again)).unwrap()
    );
}

#[test]
fn exit_codes() {
    let clean = case_tree("");
    assert_eq!(run_in(clean.path(), &["check", "."]).status.code(), Some(0));
    let warning = case_tree("rules/JT106");
    let out = run_in(warning.path(), &["check", "."]);
    assert_eq!(out.status.code(), Some(0), "warnings alone exit 0");
    assert!(common::stdout(&out).contains("warning[JT106]"));
    let error = case_tree("rules/JT102");
    assert_eq!(run_in(error.path(), &["check", "."]).status.code(), Some(1));

    let nowhere = run_in(clean.path(), &["check", "does-not-exist"]);
    assert_eq!(nowhere.status.code(), Some(2));
    assert!(common::stderr(&nowhere).contains("does-not-exist"));
    let unknown = run_in(clean.path(), &["check", "--explain", "JT999"]);
    assert_eq!(unknown.status.code(), Some(2));
    let bad_format = run_in(clean.path(), &["check", "--format", "xml", "."]);
    assert_eq!(bad_format.status.code(), Some(2));
    let both = run_in(clean.path(), &["check", "--root", "/tmp", "."]);
    assert_eq!(both.status.code(), Some(2));
    // A root with two hosts: check, like install, needs --hostname.
    let two = tempfile::tempdir().unwrap();
    common::write_stock(two.path(), "a.example.org");
    common::write_stock(two.path(), "b.example.org");
    let out = run_in(
        two.path(),
        &["check", "--root", two.path().to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(common::stderr(&out).contains("--hostname"));
    // An unreadable file: the others are still reported, and the run exits 2.
    let broken = case_tree("rules/JT102");
    std::fs::write(
        broken.path().join(common::meet_rel(HOST)),
        b"var x = '\xff';\n",
    )
    .unwrap();
    let out = run_in(broken.path(), &["check", "."]);
    assert_eq!(out.status.code(), Some(2));
    assert!(common::stdout(&out).contains("JT102"));
    assert!(
        common::stderr(&out).contains("not UTF-8"),
        "{}",
        common::stderr(&out)
    );
}

#[test]
fn explain_prints_the_rule_documentation() {
    let dir = tempfile::tempdir().unwrap();
    for code in ["JT105", "jt105", "app-secret-placeholder"] {
        let out = run_in(dir.path(), &["check", "--explain", code]);
        assert_eq!(out.status.code(), Some(0));
        let text = common::stdout(&out);
        assert!(
            text.starts_with(
                "JT105 app-secret-placeholder (error; fixed by `jitsi-tokens install`)"
            ),
            "{text}"
        );
        for section in [
            "## What it does",
            "## Why is this bad?",
            "## Example",
            "## How to fix",
        ] {
            assert!(text.contains(section), "{section}");
        }
    }
}

/// No format ever shows a secret: messages never quote one, and human snippets mask it.
#[test]
fn secrets_never_reach_the_output() {
    let tree = case_tree("rules/JT106");
    let secret = "hunter2-hunter2";
    let lua = read(tree.path(), &common::prosody_rel(HOST))
        + "external_service_secret = \"turn-secret-value\"\nVirtualHost \"x.org\"\n  app_secret = \"x-org-secret\" app_id = 3 app_id = \n";
    write(tree.path(), &common::prosody_rel(HOST), &lua);
    for format in ["human", "json", "sarif", "github"] {
        let out = run_in(tree.path(), &["check", "--format", format, "."]);
        let all = common::stdout(&out) + &common::stderr(&out);
        for s in [secret, "turn-secret-value", "x-org-secret"] {
            assert!(!all.contains(s), "{format} shows {s}:\n{all}");
        }
    }
    // With the syntax error gone, the short secret's line is shown masked.
    let fixed = lua.replace(" app_id = 3 app_id = \n", "\n");
    write(tree.path(), &common::prosody_rel(HOST), &fixed);
    let out = run_in(tree.path(), &["check", "."]);
    let text = common::stdout(&out);
    assert!(text.contains("app_secret = *****************"), "{text}");
    assert!(!text.contains(secret));
}

/// The formats, compared with the snapshots in tests/snapshots/check/ (set UPDATE_SNAPSHOTS=1
/// to rewrite them after a deliberate change).
#[test]
fn snapshots_of_every_format() {
    let tree = case_tree("snapshot");
    let snapshots = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/check");
    let mut outputs: BTreeMap<&str, String> = BTreeMap::new();
    for format in ["human", "json", "sarif", "github"] {
        let out = run_in(tree.path(), &["check", "--format", format, "."]);
        assert_eq!(out.status.code(), Some(1), "{format}");
        outputs.insert(format, common::stdout(&out));
    }
    outputs.insert("human-color", terminal(tree.path(), &["check", "."], false));
    let update = std::env::var_os("UPDATE_SNAPSHOTS").is_some();
    let mut stale = Vec::new();
    for (name, text) in &outputs {
        let text = text.replace(env!("CARGO_PKG_VERSION"), "VERSION");
        let path = snapshots.join(format!("snapshot.{name}.txt"));
        if update {
            std::fs::create_dir_all(&snapshots).unwrap();
            std::fs::write(&path, &text).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            stale.push(format!("{name}: {}\n{text}", path.display()));
        }
    }
    assert!(
        stale.is_empty(),
        "snapshots differ (UPDATE_SNAPSHOTS=1 rewrites them):\n{}",
        stale.join("\n")
    );
}

/// Runs the binary on a pseudo-terminal (util-linux `script`), optionally with NO_COLOR set.
fn terminal(dir: &Path, args: &[&str], no_color: bool) -> String {
    let command = std::iter::once(env!("CARGO_BIN_EXE_jitsi-tokens"))
        .chain(args.iter().copied())
        .map(|a| format!("'{a}'"))
        .collect::<Vec<_>>()
        .join(" ");
    let mut cmd = std::process::Command::new("script");
    cmd.args(["-qefc", &command, "/dev/null"])
        .current_dir(dir)
        .env("TERM", "xterm")
        .env_remove("NO_COLOR");
    if no_color {
        cmd.env("NO_COLOR", "1");
    }
    let out = cmd
        .output()
        .expect("script is missing; install it: apt-get install -y bsdutils");
    String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n")
}

#[test]
fn colour_only_on_a_terminal_and_never_with_no_color() {
    let tree = case_tree("rules/JT102");
    let on_terminal = terminal(tree.path(), &["check", "."], false);
    assert!(
        on_terminal.contains("\x1b[1;31merror[JT102]"),
        "{on_terminal:?}"
    );
    let no_color = terminal(tree.path(), &["check", "."], true);
    assert!(!no_color.contains('\x1b'), "{no_color:?}");
    assert!(no_color.contains("error[JT102]"));
    let piped = common::stdout(&run_in(tree.path(), &["check", "."]));
    assert!(!piped.contains('\x1b'));
}

/// Where the SARIF 2.1.0 schema comes from: the npm package `@microsoft/jest-sarif` ships the
/// OASIS schema (`sarif-2.1.0-rtm.5.json`, MIT). Fetched once with npm into target/ and checked
/// against its known digest; never committed.
fn sarif_schema() -> PathBuf {
    const SHA256: &str = "2d99159ae54a3eea97f81781cff48780548657c35949f4b7f25e99a2ba4de4f8";
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/sarif-schema");
    let schema = dir.join("package/lib/schemas/sarif-2.1.0-rtm.5.json");
    if !schema.exists() {
        std::fs::create_dir_all(&dir).unwrap();
        let packed = std::process::Command::new("npm")
            .args(["pack", "--silent", "@microsoft/jest-sarif@1.0.0-beta.0"])
            .current_dir(&dir)
            .output()
            .expect("npm is missing; install it: apt-get install -y npm");
        assert!(
            packed.status.success(),
            "npm pack failed: {}",
            String::from_utf8_lossy(&packed.stderr)
        );
        let tarball = String::from_utf8_lossy(&packed.stdout).trim().to_string();
        let status = std::process::Command::new("tar")
            .args(["xzf", &tarball])
            .current_dir(&dir)
            .status()
            .unwrap();
        assert!(status.success());
    }
    let digest = std::process::Command::new("sha256sum")
        .arg(&schema)
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&digest.stdout).starts_with(SHA256),
        "unexpected SARIF schema at {}",
        schema.display()
    );
    schema
}

#[test]
fn sarif_validates_against_the_official_schema() {
    let schema = sarif_schema();
    let tree = case_tree("snapshot");
    let dirty = run_in(tree.path(), &["check", "--format", "sarif", "."]);
    let clean = run_in(
        &check_fixtures().join("baseline"),
        &["check", "--format", "sarif", "."],
    );
    let root = run_in(
        tree.path(),
        &[
            "check",
            "--format",
            "sarif",
            "--root",
            tree.path().to_str().unwrap(),
        ],
    );
    for (name, out) in [
        ("findings", &dirty),
        ("clean", &clean),
        ("absolute paths", &root),
    ] {
        let file = tree
            .path()
            .join(format!("{}.sarif", name.replace(' ', "-")));
        std::fs::write(&file, &out.stdout).unwrap();
        let check = std::process::Command::new("python3")
            .args([
                "-c",
                "import json, sys, jsonschema\n\
                 schema = json.load(open(sys.argv[1]))\n\
                 log = json.load(open(sys.argv[2]))\n\
                 jsonschema.Draft4Validator.check_schema(schema)\n\
                 errors = list(jsonschema.Draft4Validator(schema).iter_errors(log))\n\
                 [print(e.message, list(e.path)) for e in errors]\n\
                 sys.exit(1 if errors else 0)\n",
            ])
            .arg(&schema)
            .arg(&file)
            .output()
            .expect("python3 is missing");
        assert!(
            check.status.success(),
            "{name}: SARIF does not validate (pip install jsonschema if it is missing):\n{}{}",
            String::from_utf8_lossy(&check.stdout),
            String::from_utf8_lossy(&check.stderr)
        );
    }
    let log: Value = serde_json::from_slice(&dirty.stdout).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert!(!results.is_empty());
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    for r in results {
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], r["ruleId"]);
    }
}

/// README.md's rule table says what the code says: every rule, its name, severity and fix.
#[test]
fn the_readme_lists_every_rule_as_the_code_defines_it() {
    let readme =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("README.md"))
            .unwrap();
    for rule in jitsi_tokens::rules::RULES {
        let row = readme
            .lines()
            .find(|l| l.starts_with(&format!("| {} | {}", rule.code, rule.name)))
            .unwrap_or_else(|| panic!("README.md has no row for {} {}", rule.code, rule.name));
        let fixed = rule.fix == jitsi_tokens::rules::Fix::Install;
        assert!(
            row.ends_with(&format!(
                "| {} | {} |",
                rule.severity.as_str(),
                if fixed { "yes" } else { "no" }
            )),
            "README.md row out of date: {row}"
        );
    }
}

/// The HOCON layer's case files, whose first line says what Typesafe Config makes of them
/// (tests/hocon.rs holds them to Typesafe itself): a file Typesafe rejects gets JT003 on the
/// line Typesafe names, a file it accepts never does, and JT301 fires exactly where
/// `jicofo.authentication.enabled` is true, in whichever HOCON form.
#[test]
fn jicofo_findings_agree_with_typesafe_on_every_hocon_case() {
    let root = common::fixtures().join("hocon");
    let mut files = Vec::new();
    for dir in ["cases", "errors"] {
        files.extend(
            files_below(&root.join(dir))
                .into_iter()
                .filter(|f| f.extension().is_some_and(|e| e == "conf")),
        );
    }
    assert!(files.len() >= 100, "{} files", files.len());
    let mut args = vec!["check", "--format", "json"];
    let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    args.extend(names.iter().map(String::as_str));
    let out = run_in(&root, &args);
    let json = json_of(&out);
    assert_eq!(json["files_checked"], files.len());
    let mut failures = Vec::new();
    for (file, name) in files.iter().zip(&names) {
        let first = std::fs::read_to_string(file).unwrap();
        let first = first.lines().next().unwrap_or_default();
        let found: Vec<(String, u64)> = json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["path"] == name.as_str())
            .map(|f| {
                (
                    f["code"].as_str().unwrap().to_string(),
                    f["line"].as_u64().unwrap(),
                )
            })
            .collect();
        let syntax: Vec<u64> = found
            .iter()
            .filter(|f| f.0 == "JT003")
            .map(|f| f.1)
            .collect();
        let enabled = found.iter().any(|f| f.0 == "JT301");
        let ok = if let Some(line) = first.strip_prefix("# expect error: ") {
            syntax == [line.trim().parse::<u64>().unwrap()]
        } else if let Some(value) = first.strip_prefix("# expect jicofo.authentication.enabled: ") {
            syntax.is_empty() && enabled == (value.trim() == "true")
        } else {
            syntax.is_empty()
        };
        if !ok {
            failures.push(format!("{name}: {first:?} but found {found:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Lua and JavaScript snippets, valid and not, judged by the real programs: `luac5.4 -p` (the
/// Lua Prosody runs its configuration with) and `node --check` on config.js as nginx serves it
/// (each SSI directive replaced by its default). JT001/JT002 fire exactly where they refuse.
#[test]
fn lua_and_javascript_syntax_findings_agree_with_luac_and_node() {
    let lua = [
        "VirtualHost \"a\"\n  app_id = [[x]]\n",
        "s = [==[ ]] ]=] still ]==]\n--[[ c\n]] --[==[ ]] ]==] x = 1\n",
        "x = { a = 1; b = 2, [\"c\"] = 3, 4 }\n",
        "local y <const> = 5 // 2\ngoto done\n::done::\n",
        "x = \"\\u{48}\\z\n   i\\65\"\n",
        "x = [[unclosed\n",
        "x = \"open\n",
        "VirtualHost \"a\"\n  app_id = = \"x\"\n",
        "--[==[ unclosed comment ]]\nx = 1\n",
        "x = { \"a\" \"b\" }\n",
        "x = 0x1p4 + 1e3 + 0xA\n",
        "function f() return end end\n",
        // A line break after an escape: full_moon continues such a string, Lua does not.
        "app_secret = \"s3cr\\t\nx\"\n",
        "x = 'a\\tb\n`'\n",
        // `\z` over one line break: both read one string.
        "x = \"a\\z\n  b\"\n",
    ];
    let js = [
        "var config = { hosts: { domain: 'a' } };\n",
        "var config = {};\nconfig.hosts = { domain: '<!--# echo var=\"d\" default=\"a\" -->' };\n",
        "var x = '<!--# echo var=\"subdir\" default=\"\" -->';\nvar config = { x };\n",
        "var config = { a: `t${1}`, b: /re/g, c: a => a ?? 1, ...{} };\n",
        "var config = { hosts: { domain: 'a' } ;\n",
        "var config = { a: 1 b: 2 };\n",
        // Not here: early errors oxc leaves to semantic analysis (`let let = 1;`), which
        // config.js files do not make.
        "var config = { a: 1 };;\n})\n",
        "var config = { 'a': 1, };\n// trailing comment",
        "var config = { a: 1 }\n/* unclosed",
    ];
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec!["check".to_string(), "--format".into(), "json".into()];
    let mut expected = Vec::new();
    for (i, src) in lua.iter().enumerate() {
        let name = format!("l{i}.cfg.lua");
        write(dir.path(), &name, src);
        let ok = std::process::Command::new("luac5.4")
            .args(["-p", "-o", "/dev/null"])
            .arg(dir.path().join(&name))
            .output()
            .expect("luac5.4 is missing; install it: apt-get install -y lua5.4")
            .status
            .success();
        expected.push((name.clone(), "JT001", !ok));
        args.push(name);
    }
    for (i, src) in js.iter().enumerate() {
        let name = format!("j{i}-config.js");
        write(dir.path(), &name, src);
        let served = regex_free_ssi(src);
        write(dir.path(), &format!("served-{i}.js"), &served);
        let ok = std::process::Command::new("node")
            .arg("--check")
            .arg(dir.path().join(format!("served-{i}.js")))
            .output()
            .expect("node is missing; install it: apt-get install -y nodejs")
            .status
            .success();
        expected.push((name.clone(), "JT002", !ok));
        args.push(name);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let json = json_of(&run_in(dir.path(), &args));
    let findings = json["findings"].as_array().unwrap();
    for (name, code, refused) in expected {
        let found = findings
            .iter()
            .any(|f| f["path"] == name.as_str() && f["code"] == code);
        assert_eq!(
            found, refused,
            "{name}: real program refuses: {refused}, {code}: {found}"
        );
    }
}

/// `<!--# echo var="x" default="y" -->` replaced by `y`, as nginx serves it when x is unset.
fn regex_free_ssi(src: &str) -> String {
    let mut out = String::new();
    let mut rest = src;
    while let Some(i) = rest.find("<!--#") {
        out.push_str(&rest[..i]);
        let end = rest[i..].find("-->").map_or(rest.len(), |j| i + j + 3);
        let directive = &rest[i..end];
        let default = directive
            .split("default=\"")
            .nth(1)
            .and_then(|d| d.split('"').next())
            .unwrap_or("");
        out.push_str(default);
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// check and install agree (one source of truth): on every rule's case, what a rule says
/// `install` fixes is gone after `install`, and leaves nothing else behind; what it says
/// needs a person either stops install (exit 2, nothing written) or is still reported.
#[test]
fn install_fixes_exactly_what_the_rules_say_it_fixes() {
    use jitsi_tokens::rules::{Fix, find};
    let rules_dir = check_fixtures().join("rules");
    let mut failures = Vec::new();
    for entry in std::fs::read_dir(&rules_dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        let Some(code) = name.strip_suffix(".case") else {
            continue;
        };
        let rule = find(code).unwrap();
        let tree = case_tree(&format!("rules/{code}"));
        let root = tree.path();
        let before = std::fs::read_to_string(root.join(common::prosody_rel(HOST))).unwrap();
        let out = run_in(
            root,
            &[
                "install",
                "--root",
                root.to_str().unwrap(),
                "--app-id",
                "fixture_app",
                "--generate-secret",
                "--no-restart",
                "--non-interactive",
            ],
        );
        let (found, _, _) = findings_in(root, &[]);
        let still = found.iter().any(|f| f.2 == code);
        match (rule.fix, out.status.code()) {
            (Fix::Install, Some(0)) if found.is_empty() => {}
            (Fix::Manual, Some(2)) => {
                let after = std::fs::read_to_string(root.join(common::prosody_rel(HOST))).unwrap();
                if after != before {
                    failures.push(format!("{code}: install exited 2 but wrote"));
                }
            }
            (Fix::Manual, Some(0)) if still => {}
            (fix, status) => failures.push(format!(
                "{code} ({fix:?}): install exited {status:?}, then check found {found:?}\n{}",
                common::stderr(&out)
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
