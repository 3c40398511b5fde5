//! `jitsi-tokens check`: the token-authentication linter, for an admin on a server or a CI
//! pipeline linting a repository of Jitsi configurations.
//!
//! It judges with the rules in [`crate::rules`], which ask the questions `install` validates
//! with. The contract (ripgrep's, for linters): exit 0 when no error-level finding, 1 when at
//! least one, 2 when it could not run (bad usage, an unreadable path); findings are printed
//! even when some path could not be read.
//!
//! Work is split into units ([`discover`]): the host under `--root`, or every config set and
//! lone file found from the PATHs. Discovery streams units to worker threads, one per core, so
//! that checking starts at once and memory does not grow with the number of hosts (only with
//! the findings).

pub mod discover;
pub mod finding;
pub mod format;
pub mod unit;

use std::path::PathBuf;
use std::sync::{Mutex, mpsc};

use crate::cli::{CheckArgs, CheckFormat, TargetArgs};
use crate::failure::Failure;
use crate::rules::{self, Severity};
use crate::settings::Host;
use crate::system::Env;

pub use discover::Unit;
pub use finding::Finding;
pub use format::Report;

/// What to check.
#[derive(Debug, Clone)]
pub enum Scope {
    /// The host under a root, found as `install` finds it (live-root rules apply).
    Root(TargetArgs),
    /// Files and directories.
    Paths {
        paths: Vec<PathBuf>,
        hostname: Option<String>,
    },
}

/// `check`, resolved against the environment.
#[derive(Debug, Clone)]
pub struct CheckSettings {
    pub scope: Scope,
    pub format: CheckFormat,
    /// ANSI colour in the human format: stdout is a terminal and `NO_COLOR` is unset or empty.
    pub color: bool,
    pub explain: Option<String>,
}

impl CheckSettings {
    pub fn resolve(args: &CheckArgs, env: &Env) -> Result<Self, Failure> {
        let CheckArgs {
            target,
            format,
            explain,
            paths,
        } = args;
        if let Some(h) = &target.hostname {
            crate::jitsi::layout::validate_hostname(h)
                .map_err(|e| crate::input!("--hostname: {e}"))?;
        }
        let scope = if paths.is_empty() {
            Scope::Root(target.clone())
        } else {
            if target.root != std::path::Path::new("/") {
                return Err(crate::input!(
                    "--root checks the host under a root; with PATHs, name the files or \
                     directories themselves"
                ));
            }
            Scope::Paths {
                paths: paths.clone(),
                hostname: target.hostname.clone(),
            }
        };
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Ok(CheckSettings {
            scope,
            format: *format,
            color: env.stdout_is_terminal && !no_color,
            explain: explain.clone(),
        })
    }
}

pub fn run(args: &CheckArgs, env: &mut Env) -> Result<u8, Failure> {
    let settings = CheckSettings::resolve(args, env)?;
    if let Some(code) = &settings.explain {
        let rule = rules::find(code).ok_or_else(|| {
            crate::input!(
                "no rule {code:?}; the rules are {}",
                rules::RULES
                    .iter()
                    .map(|r| r.code)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })?;
        crate::report::check(env, &format::explain(rule));
        return Ok(0);
    }
    let (report, errors) = check(&settings.scope)?;
    let text = match settings.format {
        CheckFormat::Human => format::human(&report, settings.color),
        CheckFormat::Json => format::json(&report),
        CheckFormat::Sarif => format::sarif(&report),
        CheckFormat::Github => format::github(&report),
    };
    crate::report::check(env, &text);
    for e in &errors {
        crate::report::check_error(env, e);
    }
    Ok(if !errors.is_empty() {
        2
    } else if report.count(Severity::Error) > 0 {
        1
    } else {
        0
    })
}

/// Checks everything in `scope`. Returns the report and the paths that could not be read; an
/// `Err` when nothing could be checked at all.
pub fn check(scope: &Scope) -> Result<(Report, Vec<String>), Failure> {
    match scope {
        Scope::Root(target) => {
            let host = Host::resolve(target)?;
            let unit = discover::root_unit(&host).map_err(|e| crate::input!("{e}"))?;
            let checked = unit::check(&unit);
            if checked.files_checked == 0 {
                return Err(crate::input!("{}", checked.errors.join("\n")));
            }
            let mut report = Report::default();
            let mut errors = Vec::new();
            merge(&mut report, &mut errors, checked);
            finish(&mut report);
            Ok((report, errors))
        }
        Scope::Paths { paths, hostname } => Ok(check_paths(paths, hostname.as_deref())),
    }
}

fn merge(report: &mut Report, errors: &mut Vec<String>, c: unit::Checked) {
    report.findings.extend(c.findings);
    report.files_checked += c.files_checked;
    errors.extend(c.errors);
}

fn finish(report: &mut Report) {
    report
        .findings
        .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    report.findings.dedup();
}

/// Discovery on one thread, checking on one worker per core.
fn check_paths(paths: &[PathBuf], hostname: Option<&str>) -> (Report, Vec<String>) {
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let (tx, rx) = mpsc::sync_channel::<Unit>(workers * 16);
    let rx = Mutex::new(rx);
    let (mut discovery_errors, results) = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                let rx = &rx;
                s.spawn(move || {
                    let mut report = Report::default();
                    let mut errors = Vec::new();
                    loop {
                        let next = rx.lock().expect("no worker panics holding it").recv();
                        let Ok(unit) = next else {
                            break;
                        };
                        merge(&mut report, &mut errors, unit::check(&unit));
                    }
                    (report, errors)
                })
            })
            .collect();
        let errors = discover::discover(paths, hostname, &mut |unit| {
            let _ = tx.send(unit);
        });
        drop(tx);
        let results: Vec<_> = handles
            .into_iter()
            .map(|h| h.join().expect("a check worker panicked"))
            .collect();
        (errors, results)
    });
    let mut report = Report::default();
    for (r, errors) in results {
        report.findings.extend(r.findings);
        report.files_checked += r.files_checked;
        discovery_errors.extend(errors);
    }
    finish(&mut report);
    (report, discovery_errors)
}
