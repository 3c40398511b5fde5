//! The four output formats of `check`, rendered to text (printing is [`crate::report`]'s job).
//!
//! - human: rustc-style snippets (the source line, a caret under the span), then a summary;
//!   ANSI colour only when asked (a terminal without `NO_COLOR`).
//! - json: `{"findings": [{code, severity, path, line, column, message, help}], "files_checked"}`.
//! - sarif: SARIF 2.1.0, one run, the rules as `tool.driver.rules` (GitHub code scanning).
//! - github: GitHub Actions workflow commands, one `::error` or `::warning` per finding.
//!
//! Only the human format shows source lines, and those have secret values masked.

use serde::Serialize;
use serde_json::json;

use super::finding::Finding;
use crate::rules::{self, Fix, Severity};

/// What a check run found.
#[derive(Debug, Default)]
pub struct Report {
    /// Sorted by path, line, column, code; no duplicates.
    pub findings: Vec<Finding>,
    pub files_checked: usize,
}

impl Report {
    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity() == severity)
            .count()
    }
}

struct Style {
    on: bool,
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn severity(&self, s: Severity) -> &'static str {
        match s {
            Severity::Error => "1;31",
            Severity::Warning => "1;33",
        }
    }
}

/// Tabs as four spaces, so that the caret lines up in any terminal.
fn untab(s: &str) -> String {
    s.replace('\t', "    ")
}

pub fn human(report: &Report, color: bool) -> String {
    let st = Style { on: color };
    let mut out = String::new();
    for f in &report.findings {
        let sev = f.severity();
        let gutter = f.line.to_string().len();
        let pad = " ".repeat(gutter);
        let bar = st.paint("1;34", "|");
        let before: String = f
            .source_line
            .chars()
            .take(f.column.saturating_sub(1))
            .collect();
        let marked: String = f
            .source_line
            .chars()
            .skip(f.column.saturating_sub(1))
            .take(f.width)
            .collect();
        let carets = "^".repeat(untab(&marked).chars().count().max(1));
        out.push_str(&format!(
            "{}{}\n",
            st.paint(
                st.severity(sev),
                &format!("{}[{}]", sev.as_str(), f.rule.code)
            ),
            st.paint("1", &format!(": {}", f.message)),
        ));
        out.push_str(&format!(
            "{pad}{} {}:{}:{}\n",
            st.paint("1;34", "-->"),
            f.path,
            f.line,
            f.column
        ));
        out.push_str(&format!("{pad} {bar}\n"));
        out.push_str(&format!(
            "{} {bar} {}\n",
            st.paint("1;34", &f.line.to_string()),
            untab(&f.source_line)
        ));
        out.push_str(&format!(
            "{pad} {bar} {}{}\n",
            " ".repeat(untab(&before).chars().count()),
            st.paint(st.severity(sev), &carets)
        ));
        if !f.help.is_empty() {
            out.push_str(&format!("{pad} {bar}\n"));
            out.push_str(&format!(
                "{pad} {} {}: {}\n",
                st.paint("1;34", "="),
                st.paint("1", "help"),
                f.help
            ));
        }
        out.push('\n');
    }
    let (errors, warnings) = (
        report.count(Severity::Error),
        report.count(Severity::Warning),
    );
    let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    let files = plural(report.files_checked, "file");
    if report.findings.is_empty() {
        out.push_str(&format!("{files} checked: no problems found.\n"));
    } else {
        let counts = match (errors, warnings) {
            (e, 0) => plural(e, "error"),
            (0, w) => plural(w, "warning"),
            (e, w) => format!("{} and {}", plural(e, "error"), plural(w, "warning")),
        };
        out.push_str(&st.paint("1", &format!("Found {counts} in {files} checked.")));
        out.push('\n');
        let fixable = report
            .findings
            .iter()
            .filter(|f| f.rule.fix == Fix::Install)
            .count();
        if fixable > 0 {
            out.push_str(&format!(
                "{fixable} of them `jitsi-tokens install` fixes; `jitsi-tokens check --explain CODE` tells more.\n"
            ));
        } else {
            out.push_str("`jitsi-tokens check --explain CODE` tells more.\n");
        }
    }
    out
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    code: &'a str,
    severity: &'a str,
    path: &'a str,
    line: usize,
    column: usize,
    message: &'a str,
    help: &'a str,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    findings: Vec<JsonFinding<'a>>,
    files_checked: usize,
}

pub fn json(report: &Report) -> String {
    let value = JsonReport {
        findings: report
            .findings
            .iter()
            .map(|f| JsonFinding {
                code: f.rule.code,
                severity: f.severity().as_str(),
                path: &f.path,
                line: f.line,
                column: f.column,
                message: &f.message,
                help: &f.help,
            })
            .collect(),
        files_checked: report.files_checked,
    };
    let mut text = serde_json::to_string_pretty(&value).expect("plain data serialises");
    text.push('\n');
    text
}

/// `path` as a SARIF artifact URI: a relative reference for a relative path (GitHub resolves it
/// against the repository), a `file://` URI for an absolute one; RFC 3986 escapes.
fn artifact_uri(path: &str) -> String {
    let mut out = String::new();
    if path.starts_with('/') {
        out.push_str("file://");
    }
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// `name` in PascalCase, as SARIF rule names are usually written.
fn pascal(name: &str) -> String {
    name.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

pub fn sarif(report: &Report) -> String {
    let level = |s: Severity| match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let rules: Vec<serde_json::Value> = rules::RULES
        .iter()
        .map(|r| {
            json!({
                "id": r.code,
                "name": pascal(r.name),
                "shortDescription": { "text": r.summary },
                "fullDescription": { "text": r.summary },
                "help": {
                    "text": r.doc,
                    "markdown": r.doc,
                },
                "defaultConfiguration": { "level": level(r.severity) },
                "properties": {
                    "tags": ["jitsi", "token-authentication"],
                    "fixedByInstall": r.fix == Fix::Install,
                },
            })
        })
        .collect();
    let results: Vec<serde_json::Value> = report
        .findings
        .iter()
        .map(|f| {
            let index = rules::RULES
                .iter()
                .position(|r| r.code == f.rule.code)
                .expect("every finding's rule is registered");
            let mut region = json!({ "startLine": f.line, "startColumn": f.column });
            if let Some((end_line, end_column)) = f.end {
                region["endLine"] = json!(end_line);
                region["endColumn"] = json!(end_column.max(1));
            }
            json!({
                "ruleId": f.rule.code,
                "ruleIndex": index,
                "level": level(f.severity()),
                "message": { "text": format!("{}\nhelp: {}", f.message, f.help) },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": artifact_uri(&f.path) },
                        "region": region,
                    }
                }],
            })
        })
        .collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "jitsi-tokens",
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    let mut text = serde_json::to_string_pretty(&log).expect("plain data serialises");
    text.push('\n');
    text
}

/// Escapes workflow-command data (`%`, CR, LF) and, for properties, `:` and `,` too.
fn escape(s: &str, property: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            ':' if property => out.push_str("%3A"),
            ',' if property => out.push_str("%2C"),
            c => out.push(c),
        }
    }
    out
}

pub fn github(report: &Report) -> String {
    let mut out = String::new();
    for f in &report.findings {
        let command = match f.severity() {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut props = vec![
            format!("file={}", escape(&f.path, true)),
            format!("line={}", f.line),
            format!("col={}", f.column),
        ];
        if let Some((end_line, end_column)) = f.end {
            props.push(format!("endLine={end_line}"));
            if end_line == f.line {
                props.push(format!("endColumn={end_column}"));
            }
        }
        props.push(format!(
            "title={}",
            escape(&format!("{} {}", f.rule.code, f.rule.name), true)
        ));
        out.push_str(&format!(
            "::{command} {}::{}\n",
            props.join(","),
            escape(&format!("{}\nhelp: {}", f.message, f.help), false)
        ));
    }
    out
}

/// `--explain CODE`: the rule's documentation.
pub fn explain(rule: &rules::Rule) -> String {
    format!(
        "{} {} ({}; {})\n\n{}\n\n{}",
        rule.code,
        rule.name,
        rule.severity.as_str(),
        match rule.fix {
            Fix::Install => "fixed by `jitsi-tokens install`",
            Fix::Manual => "fixed by hand",
        },
        rule.summary,
        rule.doc.trim_end().to_string() + "\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(escape("a:b,c%\n", true), "a%3Ab%2Cc%25%0A");
        assert_eq!(escape("a:b,c", false), "a:b,c");
        assert_eq!(artifact_uri("etc/a b.lua"), "etc/a%20b.lua");
        assert_eq!(artifact_uri("/etc/x"), "file:///etc/x");
        assert_eq!(pascal("app-secret-short"), "AppSecretShort");
    }
}
