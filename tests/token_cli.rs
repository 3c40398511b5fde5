//! `jitsi-tokens token new|verify` through the real binary, judged against the Lua rules.
//!
//! The table `tests/fixtures/token/cases.json` lists tokens (most minted by PyJWT, an independent
//! implementation, through `tests/oracles/pyjwt_oracle.py`; some by `token new`) with the verdict
//! and failed rules that jitsi-meet's Prosody modules give them. Every case runs the binary on a
//! temporary root holding a Prosody host file written here, with the clock pinned by
//! `JITSI_TOKENS_NOW`, and asserts what a user sees: exit code, the failed rules, the values they
//! name, and that the secret never appears.
//!
//! Needs python3 with PyJWT: `pip install pyjwt cryptography`.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_jitsi-tokens");
const HOST: &str = "meet.example.org";
const INSTALL: &str = "pip install pyjwt cryptography";

fn oracle_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/oracles/pyjwt_oracle.py")
}

/// Runs the PyJWT oracle; panics with the install command when python3 or PyJWT is missing.
fn oracle(args: &[&str], input: &Value) -> Value {
    let child = Command::new("python3")
        .arg(oracle_path())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = child.unwrap_or_else(|e| {
        panic!("python3 is required for the token tests ({e}); then run: {INSTALL}")
    });
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the PyJWT oracle failed ({}): {stderr}\nIf PyJWT is missing, run: {INSTALL}",
        out.status
    );
    if args[0] == "keygen" {
        return Value::Null;
    }
    serde_json::from_slice(&out.stdout).expect("oracle output is JSON")
}

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).unwrap();
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

/// A temporary world: one root per host variant, RSA keys, a secret.
struct World {
    dir: tempfile::TempDir,
    secret: String,
    table: Value,
}

impl World {
    fn new() -> World {
        let table: Value = serde_json::from_str(
            &std::fs::read_to_string(
                PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/token/cases.json"),
            )
            .unwrap(),
        )
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let secret = format!("jt-secret-{}", random_hex(16));
        let keys = dir.path().join("keys");
        std::fs::create_dir_all(&keys).unwrap();
        oracle(&["keygen", keys.to_str().unwrap()], &json!({}));
        std::fs::write(
            keys.join("other-secret.txt"),
            format!("jt-other-{}\n", random_hex(16)),
        )
        .unwrap();
        let world = World { dir, secret, table };
        for (name, lines) in world.table["hosts"].as_object().unwrap() {
            let text: Vec<String> = lines
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l.as_str().unwrap().replace("@SECRET@", &world.secret))
                .collect();
            world.write_host(name, &(text.join("\n") + "\n"));
        }
        world
    }

    fn write_host(&self, name: &str, text: &str) {
        let avail = self.root(name).join("etc/prosody/conf.avail");
        std::fs::create_dir_all(&avail).unwrap();
        std::fs::write(avail.join(format!("{HOST}.cfg.lua")), text).unwrap();
    }

    fn root(&self, host: &str) -> PathBuf {
        self.dir.path().join("roots").join(host)
    }

    fn keys(&self) -> PathBuf {
        self.dir.path().join("keys")
    }

    fn now(&self) -> i64 {
        self.table["now"].as_i64().unwrap()
    }

    fn expand(&self, arg: &str) -> String {
        arg.replace("@KEYS@", self.keys().to_str().unwrap())
    }

    /// `"$now+N"` claims become numbers.
    fn resolve(&self, value: &Value) -> Value {
        match value {
            Value::String(s) if s.starts_with("$now") => {
                let offset: i64 = s[4..].parse().unwrap_or(0);
                json!(self.now() + offset)
            }
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), self.resolve(v)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    fn run(&self, args: &[String], now: Option<i64>, stdin: Option<&str>) -> Output {
        let mut cmd = Command::new(BIN);
        cmd.args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        match now {
            Some(now) => cmd.env("JITSI_TOKENS_NOW", now.to_string()),
            None => cmd.env_remove("JITSI_TOKENS_NOW"),
        };
        let mut child = cmd.spawn().unwrap();
        let mut input = child.stdin.take().unwrap();
        if let Some(text) = stdin {
            input.write_all(text.as_bytes()).unwrap();
        }
        drop(input);
        child.wait_with_output().unwrap()
    }

    fn token_args(&self, sub: &str, host: &str) -> Vec<String> {
        vec![
            "token".into(),
            sub.into(),
            "--root".into(),
            self.root(host).to_str().unwrap().into(),
        ]
    }

    /// Mints every PyJWT case in one call.
    fn mint_with_pyjwt(&self) -> Value {
        let keys = self.keys();
        let pem = |name: &str| json!({"pem": keys.join(name).to_str().unwrap()});
        let tokens: Vec<Value> = self
            .cases()
            .iter()
            .filter(|c| c.get("minter").and_then(Value::as_str).unwrap_or("pyjwt") == "pyjwt")
            .map(|c| {
                json!({
                    "id": c["id"],
                    "alg": c.get("alg").cloned().unwrap_or(json!("HS256")),
                    "key": c.get("key").cloned().unwrap_or(json!("secret")),
                    "headers": c.get("headers").cloned().unwrap_or(Value::Null),
                    "claims": self.resolve(&c["claims"]),
                    "mutate": c.get("mutate").cloned().unwrap_or(Value::Null),
                })
            })
            .collect();
        oracle(
            &["mint"],
            &json!({
                "keys": {
                    "secret": self.secret,
                    "wrong-secret": format!("jt-wrong-{}", random_hex(16)),
                    "rsa": pem("rsa.pem"),
                    "rsa2": pem("rsa2.pem"),
                },
                "tokens": tokens,
            }),
        )
    }

    fn cases(&self) -> Vec<Value> {
        self.table["cases"].as_array().unwrap().clone()
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The `FAIL TKnnn` codes of a report.
fn failed_rules(stdout: &str) -> BTreeSet<String> {
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix("FAIL "))
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

#[test]
fn every_token_in_the_table_gets_the_lua_verdict() {
    let world = World::new();
    let minted = world.mint_with_pyjwt();
    let cases = world.cases();
    assert!(cases.len() >= 40, "the table must hold at least 40 tokens");
    let mut problems = Vec::new();
    for case in &cases {
        let id = case["id"].as_str().unwrap();
        let host = case["host"].as_str().unwrap();
        let minter = case
            .get("minter")
            .and_then(Value::as_str)
            .unwrap_or("pyjwt");
        let token: Option<String> = match minter {
            "pyjwt" => Some(minted[id].as_str().unwrap().to_string()),
            "ours" => {
                let mut args = world.token_args("new", host);
                for a in case["new"].as_array().unwrap() {
                    args.push(world.expand(a.as_str().unwrap()));
                }
                let out = world.run(&args, Some(world.now()), None);
                let stdout = text(&out.stdout);
                if !out.status.success() {
                    problems.push(format!("{id}: token new failed: {}", text(&out.stderr)));
                    continue;
                }
                Some(stdout.lines().last().unwrap_or_default().to_string())
            }
            _ => None,
        };
        let mut args = world.token_args("verify", host);
        for a in case["verify"].as_array().unwrap() {
            args.push(world.expand(a.as_str().unwrap()));
        }
        // PyJWT tokens go through stdin (the default `-`), ours as the argument.
        let stdin = match (minter, &token) {
            ("ours", Some(t)) => {
                args.push(t.clone());
                None
            }
            (_, t) => Some(t.clone().unwrap_or_default()),
        };
        let at = world.now() + case.get("at").and_then(Value::as_i64).unwrap_or(0);
        let out = world.run(&args, Some(at), stdin.as_deref());
        let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
        let code = out.status.code().unwrap_or(-1) as i64;
        let shown = format!("--- stdout\n{stdout}--- stderr\n{stderr}");
        if code != case["exit"].as_i64().unwrap() {
            problems.push(format!(
                "{id}: exit {code}, expected {}\n{shown}",
                case["exit"]
            ));
            continue;
        }
        let want: BTreeSet<String> = case["rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_str().unwrap().to_string())
            .collect();
        let got = failed_rules(&stdout);
        if got != want {
            problems.push(format!(
                "{id}: failed rules {got:?}, expected {want:?}\n{shown}"
            ));
        }
        let verdict = if code == 0 { "ACCEPTED" } else { "REJECTED" };
        if !stdout.starts_with(verdict) {
            problems.push(format!(
                "{id}: the report does not open with {verdict}\n{shown}"
            ));
        }
        if let Some(says) = case.get("says").and_then(Value::as_str)
            && !stdout.contains(&format!("Prosody reports the first one as: {says}\n"))
        {
            problems.push(format!(
                "{id}: Prosody's message {says:?} not shown\n{shown}"
            ));
        }
        for s in case
            .get("shows")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let s = s.as_str().unwrap();
            if !stdout.contains(s) {
                problems.push(format!("{id}: the report lacks {s:?}\n{shown}"));
            }
        }
        for f in stdout.lines().filter(|l| l.starts_with("FAIL ")) {
            // Each failed rule says what the token has and what is expected.
            let block = stdout.split(f).nth(1).unwrap_or_default();
            if !block.contains("     token:") || !block.contains("     expected:") {
                problems.push(format!("{id}: {f} lacks the token/expected lines\n{shown}"));
            }
        }
        if stdout.contains(&world.secret) || stderr.contains(&world.secret) {
            problems.push(format!("{id}: THE SECRET WAS PRINTED"));
        }
    }
    assert!(
        problems.is_empty(),
        "{} of {} cases wrong:\n\n{}",
        problems.len(),
        cases.len(),
        problems.join("\n\n")
    );
}

/// Mints with `token new` on the real clock and has PyJWT verify the result.
fn mint_and_check(world: &World, host: &str, extra: &[&str], verify: Value) -> Value {
    let mut args = world.token_args("new", host);
    args.extend(extra.iter().map(|a| world.expand(a)));
    let out = world.run(&args, None, None);
    let stdout = text(&out.stdout);
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "token new {extra:?} failed: {stderr}");
    assert!(!stdout.contains(&world.secret) && !stderr.contains(&world.secret));
    let token = stdout.lines().last().unwrap().to_string();
    let mut request = verify;
    request["token"] = json!(token);
    let answer = oracle(&["verify"], &request);
    assert_eq!(
        answer["ok"],
        json!(true),
        "PyJWT refused {extra:?}: {answer}"
    );
    answer
}

#[test]
fn pyjwt_verifies_every_token_we_mint() {
    let world = World::new();
    let hs = json!({"alg": "HS256", "key": world.secret, "audience": "jitsi", "issuer": "myapp"});

    let plain = mint_and_check(&world, "stock", &[], hs.clone());
    assert_eq!(plain["header"], json!({"typ": "JWT", "alg": "HS256"}));
    let claims = &plain["claims"];
    assert_eq!(claims["sub"], json!(HOST));
    assert_eq!(claims["room"], json!("*"));
    assert!(claims.get("context").is_none());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let exp = claims["exp"].as_i64().unwrap();
    assert!((now + 3590..=now + 3610).contains(&exp), "exp is now + 1 h");

    let full = mint_and_check(
        &world,
        "stock",
        &[
            "--room",
            "Standup",
            "--name",
            "Alice",
            "--email",
            "a@example.org",
            "--avatar",
            "https://example.org/a.png",
            "--user-id",
            "u1",
            "--moderator",
            "--feature",
            "recording=true",
            "--feature",
            "livestreaming=false",
            "--ttl",
            "2h",
            "--not-before=-1m",
        ],
        hs.clone(),
    );
    assert_eq!(
        full["claims"]["context"],
        json!({
            "user": {"name": "Alice", "email": "a@example.org",
                     "avatar": "https://example.org/a.png", "id": "u1", "moderator": true},
            "features": {"recording": true, "livestreaming": false}
        })
    );
    assert_eq!(full["claims"]["room"], json!("Standup"));

    let hs512 = mint_and_check(
        &world,
        "hs512",
        &[],
        json!({"alg": "HS512", "key": world.secret, "audience": "jitsi", "issuer": "myapp"}),
    );
    assert_eq!(hs512["header"]["alg"], json!("HS512"));

    let other = world.keys().join("other-secret.txt");
    let other_secret = std::fs::read_to_string(&other).unwrap().trim().to_string();
    mint_and_check(
        &world,
        "stock",
        &[
            "--app-id",
            "partner",
            "--app-secret-file",
            other.to_str().unwrap(),
        ],
        json!({"alg": "HS256", "key": other_secret, "audience": "jitsi", "issuer": "partner"}),
    );

    let rs = mint_and_check(
        &world,
        "key-server",
        &["--private-key", "@KEYS@/rsa.pem", "--kid", "jitsi/key1"],
        json!({"alg": "RS256", "key": {"pem": world.keys().join("rsa.pub.pem").to_str().unwrap()},
               "audience": "jitsi", "issuer": "myapp"}),
    );
    assert_eq!(
        rs["header"],
        json!({"typ": "JWT", "alg": "RS256", "kid": "jitsi/key1"})
    );
}

#[test]
fn new_prints_the_token_last_and_the_url_before_it() {
    let world = World::new();
    let mut args = world.token_args("new", "stock");
    args.extend(["--room".into(), "My Room".into(), "--url".into()]);
    let out = world.run(&args, Some(world.now()), None);
    assert!(out.status.success());
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert_eq!(
        lines[0],
        format!("https://{HOST}/My%20Room?jwt={}", lines[1])
    );
    assert_eq!(lines[1].split('.').count(), 3);
    let stderr = text(&out.stderr);
    assert!(stderr.contains("Minted a HS256 token"), "{stderr}");
    assert!(!stderr.contains(&world.secret) && !stdout.contains(&world.secret));
}

#[test]
fn could_not_run_is_exit_2() {
    let world = World::new();
    world.write_host(
        "no-app-id",
        &format!(
            "VirtualHost \"{HOST}\"\n    app_secret = \"{}\"\n",
            world.secret
        ),
    );
    let token = world
        .mint_with_pyjwt()
        .get("rs256-with-kid")
        .unwrap()
        .as_str()
        .unwrap()
        .to_string();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (world.token_args("verify", "no-app-id"), "has no app_id"),
        (world.token_args("verify", "no-such-host"), "cannot use"),
        (
            [
                world.token_args("verify", "key-server"),
                vec![token.clone()],
            ]
            .concat(),
            "pass --public-key",
        ),
        (
            [
                world.token_args("verify", "key-server"),
                vec![
                    "--public-key".into(),
                    world.expand("@KEYS@/other-secret.txt"),
                    token,
                ],
            ]
            .concat(),
            "not an RSA public key",
        ),
        (
            [
                world.token_args("new", "stock"),
                vec!["--ttl".into(), "1w".into()],
            ]
            .concat(),
            "not a duration",
        ),
        (
            [
                world.token_args("new", "stock"),
                vec!["--feature".into(), "x".into()],
            ]
            .concat(),
            "NAME=true",
        ),
        (world.token_args("new", "key-server"), "--private-key"),
    ];
    for (args, says) in cases {
        let out = world.run(&args, Some(world.now()), Some(""));
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr:?} lacks {says:?}");
        assert!(!stderr.contains(&world.secret));
    }
}

#[test]
fn a_closed_stdout_does_not_panic() {
    let world = World::new();
    let mut cmd = Command::new(BIN);
    cmd.args(world.token_args("new", "stock"))
        .arg("--url")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = text(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}

#[test]
fn the_host_is_found_without_hostname() {
    let world = World::new();
    let root = world.root("stock");
    std::fs::create_dir_all(root.join("etc/jitsi/meet")).unwrap();
    std::fs::write(root.join(format!("etc/jitsi/meet/{HOST}-config.js")), "").unwrap();
    let out = world.run(&world.token_args("new", "stock"), None, None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let _: &Path = &root;
}
