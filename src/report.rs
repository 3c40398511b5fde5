//! The only place that prints. Output errors are ignored on purpose: a closed pipe
//! (`jitsi-tokens ... | head`) is not a failure of the command.

use std::io::Write;

use serde_json::json;

use crate::apply::Applied;
use crate::cli::OutputFormat;
use crate::failure::Failure;
use crate::install::InstallOutcome;
use crate::jitsi::layout::SERVICES;
use crate::system::Env;

/// Prints a failure to stderr as `error: ...`.
pub fn error(failure: &Failure) {
    let _ = writeln!(std::io::stderr(), "error: {failure}");
}

/// `check`'s rendered report (or rule documentation) on stdout.
pub fn check(env: &mut Env, text: &str) {
    let _ = env.stdout.write_all(text.as_bytes());
    let _ = env.stdout.flush();
}

/// A path `check` could not read, on stderr.
pub fn check_error(env: &mut Env, message: &str) {
    let _ = writeln!(env.stderr, "error: {message}");
}

pub fn install(env: &mut Env, outcome: &InstallOutcome, format: OutputFormat) {
    let text = match format {
        OutputFormat::Human => install_human(outcome),
        OutputFormat::Json => install_json(outcome),
    };
    let _ = env.stdout.write_all(text.as_bytes());
    let _ = env.stdout.flush();
}

fn install_json(outcome: &InstallOutcome) -> String {
    let applied = &outcome.applied;
    let mut value = json!({
        "changed": outcome.changed(),
        "hostname": outcome.hostname,
        "dry_run": outcome.dry_run,
        "files": outcome.files.iter().map(|f| json!({
            "path": f.path,
            "changed": f.changed,
            "changes": f.changes,
        })).collect::<Vec<_>>(),
        "restarted": applied.restarted,
        "notes": outcome.notes,
    });
    if let Some(reason) = &applied.restart_skipped {
        value["restart_skipped"] = json!(reason);
    }
    if let Some(dir) = &applied.backup_dir {
        value["backup_dir"] = json!(dir.display().to_string());
    }
    if let Some(t) = &applied.tightened {
        value["permissions"] = json!({
            "path": t.path,
            "mode": format!("{:04o}", t.to.mode),
            "was": format!("{:04o}", t.from.mode),
        });
    }
    if let Some(secret) = &outcome.generated_secret {
        value["generated_app_secret"] = json!(secret.expose());
    }
    if outcome.dry_run {
        value["diff"] = json!(
            outcome
                .files
                .iter()
                .filter_map(|f| f.diff.clone())
                .collect::<String>()
        );
    }
    format!("{value}\n")
}

fn install_human(outcome: &InstallOutcome) -> String {
    let mut out = String::new();
    let applied = &outcome.applied;
    if outcome.dry_run {
        for f in &outcome.files {
            if let Some(diff) = &f.diff {
                out.push_str(diff);
            }
        }
    }
    let headline = match (outcome.dry_run, outcome.files.iter().any(|f| f.changed)) {
        (true, true) => format!("{}: install would make these changes:", outcome.hostname),
        (true, false) => format!(
            "{}: token authentication is already configured; install would change nothing.",
            outcome.hostname
        ),
        (false, true) => format!("{}: token authentication configured.", outcome.hostname),
        (false, false) => format!(
            "{}: token authentication is already configured; nothing changed.",
            outcome.hostname
        ),
    };
    out.push_str(&headline);
    out.push('\n');
    for f in &outcome.files {
        if f.changes.is_empty() {
            continue;
        }
        out.push_str(&format!("  {}\n", f.path));
        for change in &f.changes {
            out.push_str(&format!("    * {change}\n"));
        }
    }
    for note in &outcome.notes {
        out.push_str(&format!("  note: {note}\n"));
    }
    if let Some(t) = &applied.tightened {
        let verb = if outcome.dry_run {
            "would tighten"
        } else {
            "tightened"
        };
        out.push_str(&format!(
            "  {verb} {} from mode {:04o} to {:04o}{} so the secret is not world-readable\n",
            t.path,
            t.from.mode,
            t.to.mode,
            t.group_name
                .as_ref()
                .map(|g| format!(" and group {g}, so Prosody can still read it"))
                .unwrap_or_default()
        ));
    }
    if outcome.dry_run {
        out.push_str("  dry run: nothing was written and nothing restarted.\n");
        return out;
    }
    applied_tail(&mut out, applied);
    if applied.restarted.is_empty()
        && applied.restart_skipped.is_none()
        && !outcome.files.iter().any(|f| f.changed)
    {
        out.push_str("  nothing restarted.\n");
    }
    if let Some(secret) = &outcome.generated_secret {
        out.push_str(&format!(
            "  generated app_secret (shown once; configure your token issuer with it):\n  {}\n",
            secret.expose()
        ));
    }
    out
}

/// Backups and restarts, the same for install and uninstall.
fn applied_tail(out: &mut String, applied: &Applied) {
    if let Some(dir) = &applied.backup_dir {
        out.push_str(&format!(
            "  backups of the previous files: {}\n",
            dir.display()
        ));
    }
    if !applied.restarted.is_empty() {
        out.push_str(&format!("  restarted: {}\n", applied.restarted.join(", ")));
    } else if let Some(reason) = &applied.restart_skipped {
        out.push_str(&format!(
            "  services not restarted: {reason}.\n  restart them to apply the change: systemctl restart {}\n",
            SERVICES.join(" ")
        ));
    }
}

/// The human report of `uninstall`.
pub fn uninstall(
    out: &mut String,
    hostname: &str,
    revert: &crate::uninstall::Revert,
    names: &crate::plan::Names,
    applied: &Applied,
    dry_run: bool,
    changed: bool,
) {
    let verb = if dry_run { "would revert" } else { "reverted" };
    out.push_str(&format!(
        "{}: {}\n",
        hostname,
        if changed {
            format!("uninstall {verb} what install changed:")
        } else {
            "nothing install changed is left to revert.".to_string()
        }
    ));
    for f in &revert.files {
        if f.changes.is_empty() {
            continue;
        }
        out.push_str(&format!("  {}\n", names.of(f.role)));
        for c in &f.changes {
            out.push_str(&format!("    * {}\n", c.summary));
        }
    }
    for k in &revert.kept {
        out.push_str(&format!("  kept: {k}\n"));
    }
    if dry_run {
        out.push_str("  dry run: nothing was written and nothing restarted.\n");
        return;
    }
    applied_tail(out, applied);
}
