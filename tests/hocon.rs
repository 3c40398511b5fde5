//! The lossless HOCON layer, judged by the real program.
//!
//! - Round trip: every `.conf` of the shared upstream fixtures and every case here parses and
//!   reprints byte for byte.
//! - The case files (`tests/fixtures/hocon/cases`, `errors`) say in their first line what they
//!   expect (`# expect PATH: true|false|none` or `# expect error: LINE`); the parser is held to
//!   it without Java.
//! - The oracle: Typesafe Config, the library jicofo reads `jicofo.conf` with, run once per
//!   test through `tests/oracles/HoconOracle.java`. It must give the same expectations, reject
//!   the same files on the same lines, and agree with [`Document::effective`] on every field
//!   path of every file, of a few thousand generated documents, and of edited documents.

mod common;

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use jitsi_tokens::document::SyntaxError;
use jitsi_tokens::document::hocon::{self, Document, Quoting, Separator, ValueKind};
use serde_json::Value as Json;

// ---------------------------------------------------------------------------------------------
// Files and their expectations

fn conf_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "conf") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn case_dir(name: &str) -> PathBuf {
    common::fixtures().join("hocon").join(name)
}

#[derive(Debug, Clone, PartialEq)]
enum Expect {
    Bool(Vec<String>, Option<bool>),
    Error(usize),
}

/// The `# expect ...` first line of a case file.
fn expectation(path: &Path, src: &str) -> Expect {
    let line = src
        .trim_start_matches('\u{feff}')
        .lines()
        .next()
        .unwrap_or("");
    let rest = line
        .strip_prefix("# expect ")
        .unwrap_or_else(|| panic!("{}: first line must be `# expect ...`", path.display()));
    let (what, value) = rest.split_once(": ").expect("`# expect X: Y`");
    if what == "error" {
        return Expect::Error(value.parse().expect("an error line number"));
    }
    let b = match value {
        "true" => Some(true),
        "false" => Some(false),
        "none" => None,
        other => panic!("{}: unknown expectation {other}", path.display()),
    };
    Expect::Bool(what.split('.').map(String::from).collect(), b)
}

fn strs(path: &[String]) -> Vec<&str> {
    path.iter().map(String::as_str).collect()
}

fn ours_bool(doc: &Document, path: &[String]) -> Option<bool> {
    doc.effective(&strs(path)).and_then(|f| f.value.as_bool())
}

// ---------------------------------------------------------------------------------------------
// Round trip

#[test]
fn shared_fixtures_round_trip() {
    let Some(shared) = common::shared_fixtures_or_note("shared_fixtures_round_trip") else {
        return;
    };
    let files = conf_files(&shared);
    assert!(
        files.len() >= 6,
        "expected the upstream .conf fixtures, found {files:?}"
    );
    for path in files {
        let src = read(&path);
        let doc = hocon::parse(&src).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(doc.to_source_string(), src, "{}", path.display());
        assert_eq!(doc.source(), src);
        assert!(!doc.fields().is_empty(), "{}", path.display());
    }
}

#[test]
fn case_files_round_trip() {
    let files = conf_files(&case_dir("cases"));
    assert!(files.len() >= 60, "only {} cases", files.len());
    for path in files {
        let src = read(&path);
        let doc = hocon::parse(&src).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(doc.to_source_string(), src, "{}", path.display());
    }
}

// ---------------------------------------------------------------------------------------------
// Expectations, without Java

#[test]
fn case_files_meet_their_expectations() {
    let mut checked = 0;
    for dir in ["cases", "errors"] {
        for path in conf_files(&case_dir(dir)) {
            let src = read(&path);
            match (expectation(&path, &src), hocon::parse(&src)) {
                (Expect::Bool(p, want), Ok(doc)) => {
                    assert_eq!(ours_bool(&doc, &p), want, "{}", path.display());
                }
                (Expect::Error(line), Err(e)) => {
                    assert_eq!(e.line, line, "{}: {e}", path.display());
                }
                (want, got) => panic!("{}: expected {want:?}, got {got:?}", path.display()),
            }
            checked += 1;
        }
    }
    assert!(checked >= 110, "only {checked} case files");
}

#[test]
fn shared_jicofo_files_read_as_jicofo_does() {
    let Some(shared) = common::shared_fixtures_or_note("shared_jicofo_files_read_as_jicofo_does")
    else {
        return;
    };
    let enabled = ["jicofo", "authentication", "enabled"];
    let at = |rel: &str| hocon::parse(&read(&shared.join(rel))).expect("parses");
    let outdated = at("outdated-jicofo-auth/etc/jitsi/jicofo/jicofo.conf");
    let field = outdated.effective(&enabled).expect("set");
    assert_eq!(field.value.as_bool(), Some(true));
    assert_eq!(field.separator, Separator::Colon);
    assert_eq!(&outdated.source()[field.key_span.clone()], "enabled");
    let default = at("debian-default/etc/jitsi/jicofo/jicofo.conf");
    assert!(default.effective(&enabled).is_none());
    let reference = at("upstream/jicofo-reference.conf");
    assert_eq!(
        reference.effective(&enabled).unwrap().value.as_bool(),
        Some(false)
    );
    let lifetime = reference
        .effective(&["jicofo", "authentication", "authentication-lifetime"])
        .unwrap();
    assert_eq!(lifetime.value.kind, ValueKind::Concatenation);
    assert_eq!(
        reference.string_value(&lifetime.value).as_deref(),
        Some("24 hours")
    );
    let domains = outdated
        .effective(&["jicofo", "xmpp", "trusted-domains"])
        .unwrap();
    assert_eq!(domains.value.kind, ValueKind::Array);
}

// ---------------------------------------------------------------------------------------------
// The document model

#[test]
fn fields_carry_paths_spans_and_separators() {
    let src = "a { b.\"c.d\" = 1, e: x y }\nf += [1]\ng {\n}\n\"include\" : \"\"\"t\"\"\"";
    let doc = hocon::parse(src).unwrap();
    let got: Vec<(Vec<&str>, &str, Separator, &str)> = doc
        .fields()
        .iter()
        .map(|f| {
            (
                strs(&f.path),
                &src[f.key_span.clone()],
                f.separator,
                &src[f.value.span.clone()],
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                vec!["a"],
                "a",
                Separator::Brace,
                "{ b.\"c.d\" = 1, e: x y }"
            ),
            (vec!["a", "b", "c.d"], "b.\"c.d\"", Separator::Equals, "1"),
            (vec!["a", "e"], "e", Separator::Colon, "x y"),
            (vec!["f"], "f", Separator::PlusEquals, "[1]"),
            (vec!["g"], "g", Separator::Brace, "{\n}"),
            (
                vec!["include"],
                "\"include\"",
                Separator::Colon,
                "\"\"\"t\"\"\""
            ),
        ]
    );
    let last = &doc.fields()[5];
    assert_eq!(last.span, last.key_span.start..src.len());
    assert_eq!(
        last.value.kind,
        ValueKind::String {
            text: "t".into(),
            quoting: Quoting::TripleQuoted
        }
    );
    assert_eq!(doc.fields_at(&["a", "e"]).len(), 1);
    assert_eq!(
        doc.string_value(&doc.fields()[2].value).as_deref(),
        Some("x y")
    );
}

#[test]
fn value_kinds() {
    let src = "a = \"x\\ty\\u00e9\"\nb = -1.5e3\nc = off\nd = null\ne = ${?x.\"y.z\"}\nf = ${x}px\ng = [ { h = 1 } ]\n";
    let doc = hocon::parse(src).unwrap();
    let kinds: Vec<&ValueKind> = doc.fields().iter().map(|f| &f.value.kind).collect();
    assert_eq!(
        kinds,
        vec![
            &ValueKind::String {
                text: "x\ty\u{e9}".into(),
                quoting: Quoting::Quoted
            },
            &ValueKind::Number("-1.5e3".into()),
            &ValueKind::String {
                text: "off".into(),
                quoting: Quoting::Unquoted
            },
            &ValueKind::Null,
            &ValueKind::Substitution {
                path: "x.\"y.z\"".into(),
                optional: true
            },
            &ValueKind::Concatenation,
            &ValueKind::Array,
        ]
    );
    // Fields inside arrays are not fields of the document.
    assert!(doc.fields_at(&["g", "h"]).is_empty());
    assert_eq!(doc.fields()[2].value.as_bool(), Some(false));
    assert_eq!(doc.fields()[1].value.as_bool(), None);
}

#[test]
fn includes_are_recorded_not_followed() {
    let src = "include \"a.conf\"\nx {\n  include required(file( \"/etc/b.conf\" ))\n}\ny = [ { include classpath(\"c\") } ]\n";
    let doc = hocon::parse(src).unwrap();
    type Row<'a> = (
        &'a str,
        hocon::IncludeKind,
        bool,
        Vec<&'a str>,
        bool,
        &'a str,
    );
    let inc: Vec<Row> = doc
        .includes()
        .iter()
        .map(|i| {
            (
                i.target.as_str(),
                i.kind,
                i.required,
                strs(&i.path),
                i.in_array,
                i.raw.as_str(),
            )
        })
        .collect();
    assert_eq!(
        inc,
        vec![
            (
                "a.conf",
                hocon::IncludeKind::Plain,
                false,
                vec![],
                false,
                "include \"a.conf\""
            ),
            (
                "/etc/b.conf",
                hocon::IncludeKind::File,
                true,
                vec!["x"],
                false,
                "include required(file( \"/etc/b.conf\" ))"
            ),
            (
                "c",
                hocon::IncludeKind::Classpath,
                false,
                vec!["y"],
                true,
                "include classpath(\"c\")"
            ),
        ]
    );
    for i in doc.includes() {
        assert_eq!(&src[i.span.clone()], i.raw);
    }
}

#[test]
fn effective_follows_merge_rules() {
    let doc = hocon::parse(
        "a.b = 1\na = { c = 2 }\nd.e = 1\nd = null\nd.f = 2\nl += 1\nm = 5\nm.n = 1\n",
    )
    .unwrap();
    let eff = |p: &[&str]| {
        doc.effective(p)
            .map(|f| doc.source()[f.span.clone()].to_string())
    };
    assert_eq!(eff(&["a", "b"]).as_deref(), Some("a.b = 1"));
    assert_eq!(eff(&["a", "c"]).as_deref(), Some("c = 2"));
    assert_eq!(eff(&["a"]).as_deref(), Some("a = { c = 2 }"));
    assert_eq!(eff(&["d", "e"]), None, "hidden by d = null");
    assert_eq!(eff(&["d", "f"]).as_deref(), Some("d.f = 2"));
    assert_eq!(eff(&["l"]), None, "a list no field holds");
    assert_eq!(eff(&["m"]), None, "an object made by a later dotted key");
    assert_eq!(eff(&["nope"]), None);
    assert_eq!(doc.fields_at(&["d", "e"]).len(), 1);
}

#[test]
fn errors_point_at_the_offending_token() {
    let cases = [
        ("a = 1\n  b\n", 3, 1, "end of the file"),
        ("a {\n  b = tr^ue\n}", 2, 9, "reserved character `^`"),
        ("a = \"x\\qy\"", 1, 7, "`\\q`"),
        ("a = 1\n}", 2, 1, "unbalanced `}`"),
        ("x = 1\na..b = 1", 2, 1, "`..`"),
        (
            "a = { x = 1 } \"s\"",
            1,
            5,
            "cannot concatenate an object with a string",
        ),
        ("a = [1,\n,2]", 2, 1, "expected a list element"),
        ("é = \"ü\tx\"", 1, 7, "a tab inside a quoted string"),
    ];
    for (src, line, column, needle) in cases {
        let e = hocon::parse(src).expect_err(src);
        assert_eq!((e.line, e.column), (line, column), "{src:?}: {e}");
        assert!(e.message.contains(needle), "{src:?}: {e}");
    }
}

#[test]
fn replace_value_changes_only_the_value() {
    let src = "jicofo {\r\n  authentication: { enabled: true, type: JWT } # x\r\n}\r\nother = 1";
    let doc = hocon::parse(src).unwrap();
    let field = doc
        .effective(&["jicofo", "authentication", "enabled"])
        .unwrap();
    let out = doc.replace_value(field, "false").apply(src).unwrap();
    assert_eq!(
        out,
        "jicofo {\r\n  authentication: { enabled: false, type: JWT } # x\r\n}\r\nother = 1"
    );
    let again = hocon::parse(&out).unwrap();
    assert_eq!(
        again
            .effective(&["jicofo", "authentication", "enabled"])
            .unwrap()
            .value
            .as_bool(),
        Some(false)
    );
    // A `key { ... }` field given a value that is not an object gets a separator.
    let src = "a {\n  b = 1\n}\n";
    let doc = hocon::parse(src).unwrap();
    let out = doc
        .replace_value(&doc.fields()[0], "42")
        .apply(src)
        .unwrap();
    assert_eq!(out, "a = 42\n");
    let out = doc
        .replace_value(&doc.fields()[0], "{ c = 2 }")
        .apply(src)
        .unwrap();
    assert_eq!(out, "a { c = 2 }\n");
    assert_eq!(
        hocon::quote("a\"b\\c\nd\u{1}"),
        "\"a\\\"b\\\\c\\nd\\u0001\""
    );
}

#[test]
fn pathological_input_is_bounded() {
    let deep = format!("a = {}{}", "[".repeat(5000), "]".repeat(5000));
    let e = hocon::parse(&deep).expect_err("too deep");
    assert!(e.message.contains("nested too deeply"), "{e}");
    let deep = format!("a {}", "{".repeat(5000));
    assert!(hocon::parse(&deep).is_err());
    let subst = format!("a = {}b{}", "${".repeat(100), "}".repeat(100));
    assert!(hocon::parse(&subst).is_err());
    // A long chain and a cycle end; neither yields a value.
    let mut chain = String::new();
    for i in 0..200 {
        chain.push_str(&format!("k{i} = ${{k{}}}\n", i + 1));
    }
    chain.push_str("k200 = true\nx = ${x}\n");
    let doc = hocon::parse(&chain).unwrap();
    assert_eq!(doc.effective(&["k0"]).and_then(|f| f.value.as_bool()), None);
    assert_eq!(
        doc.effective(&["k195"]).and_then(|f| f.value.as_bool()),
        Some(true)
    );
    assert_eq!(doc.effective(&["x"]).and_then(|f| f.value.as_bool()), None);
}

// ---------------------------------------------------------------------------------------------
// The oracle

struct Query {
    file: PathBuf,
    paths: Vec<Vec<String>>,
}

const INSTALL_HINT: &str = "install `default-jre-headless libtypesafe-config-java` (apt-get install default-jre-headless libtypesafe-config-java; CI installs them)";

fn typesafe_jar() -> PathBuf {
    std::env::var_os("TYPESAFE_CONFIG_JAR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/share/java/typesafe-config.jar"))
}

/// Runs the Java oracle once on every query; one JSON object a file, in order.
fn oracle(queries: &[Query]) -> Vec<Json> {
    let jar = typesafe_jar();
    assert!(
        jar.is_file(),
        "the HOCON oracle needs Typesafe Config at {}: {INSTALL_HINT}",
        jar.display()
    );
    let java_ok = Command::new("java")
        .arg("-version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        java_ok,
        "the HOCON oracle needs `java` on PATH: {INSTALL_HINT}"
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let manifest = dir.path().join("manifest.txt");
    let mut text = String::new();
    for q in queries {
        let file = q.file.to_str().expect("UTF-8 path");
        assert!(!file.contains(['\n', '\t']));
        writeln!(text, "F\t{file}").unwrap();
        for p in &q.paths {
            let keys: Vec<String> = p
                .iter()
                .map(|k| {
                    k.replace('\\', "\\\\")
                        .replace('\t', "\\t")
                        .replace('\n', "\\n")
                        .replace('\r', "\\r")
                })
                .collect();
            writeln!(text, "P\t{}", keys.join("\t")).unwrap();
        }
    }
    std::fs::write(&manifest, text).unwrap();
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracles/HoconOracle.java");
    let out = Command::new("java")
        .arg("-cp")
        .arg(&jar)
        .arg(&source)
        .arg(&manifest)
        .output()
        .unwrap_or_else(|e| panic!("running java: {e}; {INSTALL_HINT}"));
    assert!(
        out.status.success(),
        "the oracle failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).expect("UTF-8 output");
    let answers: Vec<Json> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(answers.len(), queries.len(), "one answer a file");
    answers
}

/// The distinct field paths of a document, and every prefix of them.
fn all_paths(doc: &Document) -> Vec<Vec<String>> {
    let mut set = BTreeSet::new();
    for f in doc.fields() {
        for n in 1..=f.path.len() {
            set.insert(f.path[..n].to_vec());
        }
    }
    set.into_iter().collect()
}

/// Does our answer at `path` say what Typesafe says (`v`, one entry of the oracle's `values`)?
fn agrees(doc: &Document, path: &[String], v: &Json) -> Result<(), String> {
    let ty = v["type"].as_str().unwrap_or("?");
    let string = v["string"].as_str();
    let ts_bool = v["bool"].as_bool();
    let field = doc.effective(&strs(path));
    let ours_bool = field.and_then(|f| f.value.as_bool());
    if ours_bool != ts_bool {
        return Err(format!(
            "getBoolean: ours {ours_bool:?}, Typesafe {ts_bool:?}"
        ));
    }
    let ok = match field {
        None => {
            ty == "MISSING"
                || (ty == "LIST"
                    && doc
                        .fields_at(&strs(path))
                        .last()
                        .is_some_and(|f| f.separator == Separator::PlusEquals))
                || (ty == "OBJECT"
                    && doc
                        .fields()
                        .iter()
                        .any(|f| f.path.len() > path.len() && f.path.starts_with(path)))
        }
        Some(f) => match &f.value.kind {
            ValueKind::String { text, .. } => ty == "STRING" && string == Some(text),
            ValueKind::Number(n) => ty == "NUMBER" && string == Some(n),
            ValueKind::Bool(b) => ty == "BOOLEAN" && string == Some(&b.to_string()),
            ValueKind::Null => ty == "NULL",
            ValueKind::Object => ty == "OBJECT",
            ValueKind::Array => ty == "LIST",
            ValueKind::Substitution { .. } => ty == "UNRESOLVED",
            ValueKind::Concatenation => match doc.string_value(&f.value) {
                Some(s) => ty == "STRING" && string == Some(&s),
                None => {
                    // Substitutions are in it: objects or lists when written ones are.
                    let text = without_substitutions(&doc.source()[f.value.span.clone()]);
                    ty == "UNRESOLVED"
                        || if text.contains('{') {
                            ty == "OBJECT"
                        } else if text.contains('[') {
                            ty == "LIST"
                        } else {
                            ty == "STRING"
                        }
                }
            },
        },
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "ours {:?}, Typesafe {ty} {string:?}",
            field.map(|f| (&f.path, &f.value.kind))
        ))
    }
}

/// `text` with every `${...}` removed.
fn without_substitutions(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find("${") {
        out.push_str(&rest[..i]);
        rest = rest[i..].split_once('}').map_or("", |(_, after)| after);
    }
    out.push_str(rest);
    out
}

/// Checks every path of an accepted document against the oracle's answer for it.
fn check_values(
    name: &str,
    doc: &Document,
    paths: &[Vec<String>],
    answer: &Json,
    failures: &mut Vec<String>,
) {
    if answer["parse"] != "ok" {
        failures.push(format!(
            "{name}: Typesafe rejects what we accept: {}",
            answer["message"]
        ));
        return;
    }
    if answer["resolve"] != "ok" {
        // Typesafe refuses the whole file (jicofo would not start); only a substitution cycle
        // is meant to do that here, and we must not claim a value through it.
        let through_cycle = paths.iter().any(|p| {
            doc.effective(&strs(p))
                .is_some_and(|f| f.value.as_bool().is_some())
        });
        if !name.contains("cycle") || through_cycle {
            failures.push(format!(
                "{name}: Typesafe cannot resolve it: {}",
                answer["resolve_message"]
            ));
        }
        return;
    }
    let values = answer["values"].as_array().expect("values");
    for (path, v) in paths.iter().zip(values) {
        if let Err(e) = agrees(doc, path, v) {
            failures.push(format!("{name}: at {path:?}: {e}"));
        }
    }
}

fn report(failures: &[String], what: &str) {
    assert!(
        failures.is_empty(),
        "{} disagreement(s) with Typesafe on {what}:\n{}",
        failures.len(),
        failures
            .iter()
            .take(25)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn oracle_agrees_on_case_files() {
    let mut files = Vec::new();
    for dir in ["cases", "errors"] {
        files.extend(conf_files(&case_dir(dir)));
    }
    if let Some(shared) = common::shared_fixtures_or_note("oracle_agrees_on_case_files") {
        files.extend(conf_files(&shared));
    }
    let enabled: Vec<String> = ["jicofo", "authentication", "enabled"]
        .map(String::from)
        .to_vec();
    let mut docs = Vec::new();
    let mut queries = Vec::new();
    for file in &files {
        let src = read(file);
        let parsed = hocon::parse(&src);
        let mut paths = vec![enabled.clone()];
        if let Ok(doc) = &parsed {
            paths.extend(all_paths(doc));
        }
        queries.push(Query {
            file: file.clone(),
            paths,
        });
        docs.push((src, parsed));
    }
    let answers = oracle(&queries);
    let (mut values, mut rejections, mut no_line) = (0, 0, 0);
    let mut failures = Vec::new();
    for (i, file) in files.iter().enumerate() {
        let (src, parsed) = &docs[i];
        let answer = &answers[i];
        let name = file.file_name().unwrap().to_string_lossy().to_string();
        let expect = src.starts_with("# expect ").then(|| expectation(file, src));
        match parsed {
            Ok(doc) => {
                if let Some(Expect::Bool(p, want)) = &expect {
                    assert_eq!(p, &enabled, "{name}: oracle cases ask about {enabled:?}");
                    let ts = answer["values"][0]["bool"].as_bool();
                    if answer["parse"] == "ok" && ts != *want {
                        failures.push(format!(
                            "{name}: Typesafe says {ts:?}, the case expects {want:?}"
                        ));
                    }
                    values += 1;
                }
                check_values(&name, doc, &queries[i].paths, answer, &mut failures);
            }
            Err(e) => {
                rejections += 1;
                if answer["parse"] != "error" {
                    failures.push(format!("{name}: we reject ({e}), Typesafe accepts"));
                    continue;
                }
                let ts_line = answer["line"].as_i64().unwrap_or(-1);
                if let Some(Expect::Bool(..)) = expect {
                    failures.push(format!("{name}: a value case we reject: {e}"));
                }
                if ts_line == -1 {
                    no_line += 1;
                } else if ts_line != e.line as i64 {
                    failures.push(format!(
                        "{name}: we reject at line {}, Typesafe at line {ts_line}: {}",
                        e.line, answer["message"]
                    ));
                }
                if let Some(Expect::Error(line)) = expect
                    && (line != e.line || (ts_line != -1 && ts_line != line as i64))
                {
                    failures.push(format!(
                        "{name}: the case expects line {line}, we say {}, Typesafe {ts_line}",
                        e.line
                    ));
                }
            }
        }
    }
    report(&failures, "the case files");
    assert!(values >= 60, "only {values} value cases");
    assert!(rejections >= 40, "only {rejections} rejected cases");
    eprintln!(
        "oracle: {} files, {values} value cases, {rejections} rejections ({no_line} without a Typesafe line)",
        files.len()
    );
}

// ---------------------------------------------------------------------------------------------
// Generated documents

/// The generator's seed: fixed, so a failure repeats; `JITSI_TOKENS_HOCON_SEED=N` explores
/// other documents.
fn seed(default: u64) -> u64 {
    std::env::var("JITSI_TOKENS_HOCON_SEED")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .map_or(default, |s| default ^ s.wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

/// splitmix64: small, seedable, good enough to pick syntax.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
}

const KEYS: &[&str] = &[
    "a",
    "b",
    "jicofo",
    "authentication",
    "enabled",
    "type",
    "x-y",
    "k_1",
    "10",
    "true",
    "a b",
];
const QUOTED_KEYS: &[&str] = &[
    "\"a\"",
    "\"enabled\"",
    "\"a.b\"",
    "\"x y\"",
    "\"include\"",
    "\"\"",
    "\"ünï\"",
    "\"t\\tab\"",
];
const SCALARS: &[&str] = &[
    "true",
    "false",
    "on",
    "off",
    "yes",
    "no",
    "\"true\"",
    "\"off\"",
    "\"yes\"",
    "null",
    "0",
    "-12",
    "3.25",
    "1e3",
    "0123",
    "1.",
    "-.5",
    "meet.example.org",
    "JWT",
    "foo-bar",
    "/usr/share/x",
    "\"a\\\"b\\\\c\\n\\u00e9\"",
    "\"\"\"x \"y\" z\"\"\"",
    "\"\"\"multi\nline\"\"\"",
    "\"été\"",
    "日本",
    "24 hours",
    "foo \"bar\" 1",
    "a  b\tc",
    "TRUE",
    "\"\"",
    "10.0foo",
    "truefoo",
    "-",
    "1.2.3",
    "2024-01-01",
    "\"EXT_JWT:meet.example.org\"",
    "x/y",
    "99999999999999999999",
];
// Required substitutions always name something the document defines: with one that names
// nothing, Typesafe (with unresolved substitutions allowed) keeps whole merged objects
// unresolved, which is not a question jicofo ever asks (it would refuse the file).
const SUBSTITUTIONS: &[&str] = &[
    "${s1}",
    "${?s2}",
    "${?nope}",
    "${s1} px",
    "${?s3}",
    "${ s1 }",
    "${lib1.enabled}",
    "${?lib2.enabled}",
];
const FIELD_ENDS: &[&str] = &[
    "\n",
    ",\n",
    ", ",
    "\n\n",
    " // c\n",
    " # c ✓\n",
    ",",
    "\n  \n",
];

struct Gen<'r> {
    rng: &'r mut Rng,
    out: String,
    lists: usize,
    root_depth: usize,
    /// Inside an object that follows a substitution in a concatenation: Typesafe 1.3.1 fails
    /// to resolve (`replaceChild did not find`) when such an object has a duplicate key whose
    /// later value holds a substitution, so none are generated there.
    no_subst: u32,
}

impl Gen<'_> {
    fn key(&mut self) -> String {
        let n = 1 + self.rng.below(3);
        let mut parts = Vec::new();
        for _ in 0..n {
            parts.push(if self.rng.chance(75) {
                self.rng.pick(KEYS)
            } else {
                self.rng.pick(QUOTED_KEYS)
            });
        }
        parts.join(".")
    }

    fn indent(&mut self, depth: usize) {
        let unit = if self.rng.chance(20) { "\t" } else { "  " };
        for _ in 0..depth {
            self.out.push_str(unit);
        }
    }

    fn scalar(&mut self) {
        let v = if self.no_subst == 0 && self.rng.chance(15) {
            self.rng.pick(SUBSTITUTIONS)
        } else {
            self.rng.pick(SCALARS)
        };
        self.out.push_str(v);
    }

    fn value(&mut self, depth: usize, in_array: bool) {
        let roll = self.rng.below(100);
        if depth >= 3 || roll < 60 {
            self.scalar();
        } else if roll < 78 {
            self.object(depth + 1, in_array);
        } else if roll < 86 {
            self.array(depth + 1);
        } else if roll < 90 {
            self.object(depth + 1, in_array);
            self.out.push(' ');
            self.object(depth + 1, in_array);
        } else if roll < 93 && self.no_subst == 0 {
            let subst = self.rng.pick(&["${lib1} ", "${?lib2} ", "${?nope} "]);
            self.out.push_str(subst);
            self.no_subst += 1;
            self.object(depth + 1, in_array);
            self.no_subst -= 1;
        } else if roll < 96 && self.no_subst == 0 {
            self.out.push_str("${lib1}");
        } else {
            self.out.push_str("[1] [\"two\"]");
        }
    }

    fn array(&mut self, depth: usize) {
        self.out.push('[');
        let n = self.rng.below(4);
        let multiline = self.rng.chance(40);
        for i in 0..n {
            if multiline {
                self.out.push('\n');
                self.indent(depth);
            } else if i > 0 {
                self.out.push(' ');
            }
            self.value(depth, true);
            if i + 1 < n || self.rng.chance(30) {
                self.out.push(',');
            }
        }
        if multiline {
            self.out.push('\n');
        }
        self.out.push(']');
    }

    fn object(&mut self, depth: usize, in_array: bool) {
        self.out.push('{');
        self.out.push(if self.rng.chance(60) { '\n' } else { ' ' });
        self.fields(depth, in_array);
        self.indent(depth.saturating_sub(1));
        self.out.push('}');
    }

    fn fields(&mut self, depth: usize, in_array: bool) {
        let n = self.rng.below(6);
        for _ in 0..n {
            self.indent(depth);
            let roll = self.rng.below(100);
            if roll < 4 {
                self.out.push_str("# a comment line\n");
                self.indent(depth);
            } else if roll < 7 {
                self.out
                    .push_str("include \"jitsi-tokens-test-missing.conf\"\n");
                self.indent(depth);
            }
            // Typesafe refuses `+=` in lists and mishandles it inside concatenations.
            if depth == self.root_depth && !in_array && self.rng.chance(8) {
                self.lists += 1;
                let _ = write!(self.out, "list{} += ", self.lists);
                self.scalar();
            } else {
                let key = self.key();
                self.out.push_str(&key);
                if depth < 3 && self.rng.chance(25) {
                    self.out
                        .push_str(if self.rng.chance(80) { " " } else { "\n" });
                    self.object(depth + 1, in_array);
                } else {
                    let sep = self
                        .rng
                        .pick(&[" = ", ": ", " : ", "=", ":", "\n  = ", " =\n  "]);
                    self.out.push_str(sep);
                    self.value(depth, in_array);
                }
            }
            let end = self.rng.pick(FIELD_ENDS);
            self.out.push_str(end);
        }
    }

    /// A whole document: library values that substitutions point at, fields, CRLF or not.
    fn document(&mut self) -> String {
        let braces = self.rng.chance(25);
        self.root_depth = usize::from(braces);
        if braces {
            self.out.push_str("{\n");
        }
        let library = [
            "s1 = meet.example.org\n",
            "s2 = on\n",
            "lib1 = { enabled = on, type = JWT }\n",
            "lib2 { enabled = false }\n",
        ];
        let mut pending: Vec<&str> = library.to_vec();
        for _ in 0..1 + self.rng.below(4) {
            if !pending.is_empty() && self.rng.chance(50) {
                let i = self.rng.below(pending.len());
                self.out.push_str(pending.remove(i));
            }
            self.fields(usize::from(braces), false);
            if !self.out.ends_with('\n') && !self.out.ends_with(',') {
                self.out.push('\n');
            }
        }
        for item in pending {
            self.out.push_str(item);
        }
        if braces {
            self.out.push_str("}\n");
        }
        let mut text = std::mem::take(&mut self.out);
        if self.rng.chance(15) {
            text = text.trim_end_matches(['\n', ',']).to_string();
        }
        if self.rng.chance(20) {
            text = text.replace('\n', "\r\n");
        }
        text
    }
}

/// Up to 16 of the document's paths (fields and their prefixes), always including
/// `jicofo.authentication.enabled`.
fn sample_paths(rng: &mut Rng, doc: &Document) -> Vec<Vec<String>> {
    let mut all = all_paths(doc);
    let mut out = vec![
        ["jicofo", "authentication", "enabled"]
            .map(String::from)
            .to_vec(),
    ];
    while out.len() < 16 && !all.is_empty() {
        let p = all.swap_remove(rng.below(all.len()));
        if !out.contains(&p) {
            out.push(p);
        }
    }
    out
}

/// One generated document.
fn generate(rng: &mut Rng) -> String {
    Gen {
        rng,
        out: String::new(),
        lists: 0,
        root_depth: 0,
        no_subst: 0,
    }
    .document()
}

const REPLACEMENTS: &[&str] = &[
    "false",
    "\"replaced\"",
    "42",
    "on",
    "[1, 2]",
    "{ z = 1 }",
    "null",
];

#[test]
fn oracle_agrees_on_generated_documents() {
    const DOCS: usize = 3000;
    let dir = tempfile::tempdir().expect("temp dir");
    let mut rng = Rng(seed(0x6A17_5100_0000_0001));
    let mut items: Vec<(String, Document, Vec<Vec<String>>)> = Vec::new();
    let mut failures = Vec::new();
    let mut replaced = 0;
    for n in 0..DOCS {
        let src = generate(&mut rng);
        let doc = match hocon::parse(&src) {
            Ok(doc) => doc,
            Err(e) => {
                failures.push(format!(
                    "doc {n}: we reject a generated document: {e}\n{src}"
                ));
                continue;
            }
        };
        if doc.to_source_string() != src {
            failures.push(format!("doc {n}: does not round-trip\n{src}"));
        }
        // An edit of one field, re-parsed: Typesafe must read it, the rest must be untouched.
        let candidates: Vec<&hocon::Field> = doc
            .fields()
            .iter()
            .filter(|f| {
                f.separator != Separator::PlusEquals
                    && !matches!(f.path[0].as_str(), "s1" | "s2" | "lib1" | "lib2")
            })
            .collect();
        if !candidates.is_empty() {
            let field = candidates[rng.below(candidates.len())];
            let new_text = REPLACEMENTS[rng.below(REPLACEMENTS.len())];
            let edited = doc.replace_value(field, new_text).apply(&src).unwrap();
            let span = field.value.span.clone();
            let inserted = edited.len() - (src.len() - span.len());
            if edited[..span.start] != src[..span.start]
                || edited[span.start + inserted..] != src[span.end..]
            {
                failures.push(format!("doc {n}: the edit touched other bytes"));
            }
            match hocon::parse(&edited) {
                Ok(again) => {
                    let mut paths = sample_paths(&mut rng, &again);
                    if !paths.contains(&field.path) {
                        paths.push(field.path.clone());
                    }
                    items.push((edited, again, paths));
                    replaced += 1;
                }
                Err(e) => failures.push(format!(
                    "doc {n}: edited text does not parse: {e}\n{edited}"
                )),
            }
        }
        let paths = sample_paths(&mut rng, &doc);
        items.push((src, doc, paths));
    }
    let mut queries = Vec::new();
    for (i, (src, _, paths)) in items.iter().enumerate() {
        let file = dir.path().join(format!("g{i}.conf"));
        std::fs::write(&file, src).unwrap();
        queries.push(Query {
            file,
            paths: paths.clone(),
        });
    }
    let answers = oracle(&queries);
    let mut compared = 0;
    for (i, ((src, doc, paths), answer)) in items.iter().zip(&answers).enumerate() {
        let before = failures.len();
        check_values(&format!("g{i}"), doc, paths, answer, &mut failures);
        compared += paths.len();
        if failures.len() > before {
            let last = failures.pop().unwrap();
            failures.push(format!("{last}\n--- document ---\n{src}\n---"));
        }
    }
    report(&failures, "generated documents");
    assert!(compared > 10 * DOCS, "only {compared} paths compared");
    eprintln!(
        "generated: {} documents ({replaced} of them edited), {compared} paths compared",
        items.len()
    );
}

/// Inserts, deletes or replaces one character of a generated document, where syntax lives.
fn mutate(rng: &mut Rng, src: &str) -> String {
    const INSERTS: &[&str] = &[
        "{", "}", "[", "]", ":", "=", ",", "\"", "\"\"\"", "$", "${", "+", "+=", "#", "//", "\n",
        "\\", "^", "?", ".", " ", "\t", "\r", "include ", "a", "1", "-", "`", "@", "\u{a0}",
    ];
    let mut cuts: Vec<usize> = src.char_indices().map(|(i, _)| i).collect();
    cuts.push(src.len());
    let at = cuts[rng.below(cuts.len())];
    let next = src[at..].chars().next().map_or(at, |c| at + c.len_utf8());
    let insert = INSERTS[rng.below(INSERTS.len())];
    match rng.below(3) {
        0 => format!("{}{}", &src[..at], &src[next..]),
        1 => format!("{}{insert}{}", &src[..at], &src[at..]),
        _ => format!("{}{insert}{}", &src[..at], &src[next..]),
    }
}

/// Byte offset of 1-based `line` and `column` (in characters).
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let start: usize = text
        .split_inclusive('\n')
        .take(line - 1)
        .map(str::len)
        .sum();
    text[start..]
        .char_indices()
        .nth(column - 1)
        .map_or(text.len(), |(i, _)| start + i)
}

/// Whether a `${...}` that spans a line break starts before `offset`. Inside one, comments
/// can hide a `}` and a nested `${...}` has its own.
fn multi_line_substitution_before(text: &str, offset: usize) -> bool {
    let b = text.as_bytes();
    let mut i = 0;
    while let Some(p) = text[i..offset].find("${").map(|p| i + p) {
        let (mut j, mut depth, mut newline) = (p + 2, 1, false);
        while j < b.len() && depth > 0 {
            match b[j] {
                b'\n' => newline = true,
                b'$' if b.get(j + 1) == Some(&b'{') => {
                    depth += 1;
                    j += 1;
                }
                b'}' => depth -= 1,
                b'#' => {
                    while j + 1 < b.len() && b[j + 1] != b'\n' {
                        j += 1;
                    }
                }
                b'/' if b.get(j + 1) == Some(&b'/') => {
                    while j + 1 < b.len() && b[j + 1] != b'\n' {
                        j += 1;
                    }
                }
                b'"' => {
                    j += 1;
                    while j < b.len() && b[j] != b'"' && b[j] != b'\n' {
                        j += 1 + usize::from(b[j] == b'\\');
                    }
                }
                _ => {}
            }
            j += 1;
        }
        if newline {
            return true;
        }
        i = p + 2;
    }
    false
}

/// Where Typesafe's line for a rejection is known to differ from the offending token's, and
/// why. `None` when it should not differ.
fn known_line_difference(
    text: &str,
    ours: &SyntaxError,
    ts_line: i64,
    ts_message: &str,
) -> Option<&'static str> {
    let offset = offset_of(text, ours.line, ours.column);
    let ours_line = ours.line as i64;
    if ts_line == -1 {
        Some("Typesafe gives no line")
    } else if text[offset..].starts_with("\"\"\"") && ts_line > ours_line {
        Some("a triple-quoted string spanning lines: Typesafe names its last line")
    } else if ts_line < ours_line && multi_line_substitution_before(text, offset) {
        Some("after a substitution spanning lines Typesafe's line count falls behind")
    } else if (ts_message.contains("Cannot concatenate") && ours.message.contains("concatenate"))
        || (ts_message.contains("+= does not work") && ours.message.contains("+="))
    {
        Some("Typesafe's value builder counts lines without the breaks inside fields")
    } else {
        None
    }
}

/// Acceptance and error lines on broken documents: generated ones with one or two characters
/// inserted, deleted or replaced. (Values are compared on the generated documents, whose
/// substitutions always resolve; a mutant may break that, and Typesafe's answers for
/// unresolved substitutions are not what jicofo, which resolves fully, would see.)
#[test]
fn oracle_agrees_on_mutated_documents() {
    const MUTANTS: usize = 2500;
    let dir = tempfile::tempdir().expect("temp dir");
    let mut rng = Rng(seed(0x6A17_5100_0000_0002));
    let mut items = Vec::new();
    while items.len() < MUTANTS {
        let src = generate(&mut rng);
        let mut text = src;
        for _ in 0..1 + rng.below(2) {
            text = mutate(&mut rng, &text);
        }
        let parsed = hocon::parse(&text);
        items.push((text, parsed));
    }
    let mut queries = Vec::new();
    for (i, (text, _)) in items.iter().enumerate() {
        let file = dir.path().join(format!("m{i}.conf"));
        std::fs::write(&file, text).unwrap();
        queries.push(Query {
            file,
            paths: Vec::new(),
        });
    }
    let answers = oracle(&queries);
    let mut failures = Vec::new();
    let mut rejected = 0;
    let mut same_line = 0;
    let mut known: std::collections::BTreeMap<&str, usize> = Default::default();
    for (i, ((text, parsed), answer)) in items.iter().zip(&answers).enumerate() {
        let name = format!("m{i}");
        match parsed {
            Ok(doc) => {
                if doc.to_source_string() != *text {
                    failures.push(format!("{name}: does not round-trip"));
                }
                if answer["parse"] != "ok" {
                    failures.push(format!(
                        "{name}: Typesafe rejects what we accept: {}\n--- document ---\n{text}\n---",
                        answer["message"]
                    ));
                }
            }
            Err(e) => {
                rejected += 1;
                if answer["parse"] != "error" {
                    failures.push(format!(
                        "{name}: we reject ({e}), Typesafe accepts\n--- document ---\n{text}\n---"
                    ));
                    continue;
                }
                let ts_line = answer["line"].as_i64().unwrap_or(-1);
                let ts_message = answer["message"].as_str().unwrap_or("");
                if ts_line == e.line as i64 {
                    same_line += 1;
                } else if let Some(why) = known_line_difference(text, e, ts_line, ts_message) {
                    *known.entry(why).or_default() += 1;
                } else {
                    failures.push(format!(
                        "{name}: we reject at line {} ({e}), Typesafe at line {ts_line}: {ts_message}\n--- document ---\n{text}\n---",
                        e.line
                    ));
                }
            }
        }
    }
    report(&failures, "mutated documents");
    assert!(rejected > MUTANTS / 5, "only {rejected} mutants rejected");
    let other: usize = known.values().sum();
    assert!(
        same_line * 10 > rejected * 9,
        "only {same_line} of {rejected} rejections on Typesafe's line: {known:?}"
    );
    eprintln!(
        "mutated: {MUTANTS} documents, {rejected} rejected by both, {same_line} on Typesafe's line, {other} known differences: {known:?}"
    );
}

/// The edit a fixer makes: set the effective `jicofo.authentication.enabled` to `false`.
/// Typesafe must read `false` from every edited file, and nothing else may change.
#[test]
fn oracle_reads_replaced_values() {
    let mut files = conf_files(&case_dir("cases"));
    if let Some(shared) = common::shared_fixtures_or_note("oracle_reads_replaced_values") {
        files.extend(conf_files(&shared));
    }
    let enabled = ["jicofo", "authentication", "enabled"];
    let dir = tempfile::tempdir().expect("temp dir");
    let mut queries = Vec::new();
    for file in &files {
        let src = read(file);
        let doc = hocon::parse(&src).unwrap();
        let Some(field) = doc.effective(&enabled) else {
            continue;
        };
        if field.value.as_bool().is_none() {
            continue;
        }
        let edited = doc.replace_value(field, "false").apply(&src).unwrap();
        let span = field.value.span.clone();
        assert_eq!(
            edited[..span.start],
            src[..span.start],
            "{}",
            file.display()
        );
        assert_eq!(
            edited[span.start + 5..],
            src[span.end..],
            "{}",
            file.display()
        );
        let again = hocon::parse(&edited).unwrap();
        assert_eq!(
            again.effective(&enabled).and_then(|f| f.value.as_bool()),
            Some(false),
            "{}",
            file.display()
        );
        let out = dir.path().join(file.file_name().unwrap());
        std::fs::write(&out, &edited).unwrap();
        queries.push(Query {
            file: out,
            paths: vec![enabled.map(String::from).to_vec()],
        });
    }
    assert!(queries.len() >= 60, "only {} files edited", queries.len());
    let answers = oracle(&queries);
    for (q, a) in queries.iter().zip(&answers) {
        assert_eq!(
            a["values"][0]["bool"].as_bool(),
            Some(false),
            "{}: {a}",
            q.file.display()
        );
    }
}
