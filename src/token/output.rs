//! Where `token` prints: the process environment's stdout and stderr ([`crate::system::Env`]),
//! so tests can run it in-process. A closed pipe (`jitsi-tokens token new | head -1`) ends output quietly instead of
//! panicking; other write errors are ignored for the same reason (there is nowhere to report
//! them).

use std::io::Write;

use super::verify::Report;
use crate::system::Env;

/// stdout for results, stderr for messages about them; stdin for `-` arguments.
pub struct Out<'a> {
    pub env: &'a mut Env,
    stdout_closed: bool,
}

impl<'a> Out<'a> {
    pub fn new(env: &'a mut Env) -> Self {
        Out {
            env,
            stdout_closed: false,
        }
    }

    /// One line of the result on stdout.
    pub fn line(&mut self, text: &str) {
        if self.stdout_closed {
            return;
        }
        let stdout = &mut self.env.stdout;
        if writeln!(stdout, "{text}")
            .and_then(|_| stdout.flush())
            .is_err()
        {
            self.stdout_closed = true;
        }
    }

    /// One line for the person on stderr (never the secret).
    pub fn note(&mut self, text: &str) {
        let _ = writeln!(self.env.stderr, "{text}");
    }
}

/// The verdict in plain words: every failed rule with the token's value and the host's
/// expectation.
pub fn render_report(report: &Report, host: &str) -> Vec<String> {
    let mut lines = Vec::new();
    if report.accepted {
        lines.push(format!("ACCEPTED: {host} accepts this token."));
    } else {
        let n = report.findings.len();
        lines.push(format!(
            "REJECTED: {host} refuses this token ({n} failed rule{}).",
            if n == 1 { "" } else { "s" }
        ));
        if let Some(says) = &report.prosody_says {
            lines.push(format!("Prosody reports the first one as: {says}"));
        }
    }
    if let Some(address) = &report.room_address {
        lines.push(format!("Room checked: {address}"));
    }
    for finding in &report.findings {
        lines.push(String::new());
        lines.push(format!(
            "FAIL {} {}: {}",
            finding.rule.code, finding.rule.name, finding.rule.requires
        ));
        lines.push(format!("     token:    {}", finding.found));
        lines.push(format!("     expected: {}", finding.expected));
        lines.push(format!("     upstream: {}", finding.rule.upstream));
    }
    if !report.notes.is_empty() {
        lines.push(String::new());
        for note in &report.notes {
            lines.push(format!("note: {note}"));
        }
    }
    lines
}
