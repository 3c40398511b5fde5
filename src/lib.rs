//! jitsi-tokens: token authentication for Debian Jitsi Meet hosts, set up losslessly and checked
//! precisely.
//!
//! Layers, from the bottom up:
//! - [`document`]: lossless edit layers for Lua, JavaScript and HOCON that know nothing of Jitsi;
//! - [`jitsi`]: what token authentication requires, as data, and how to find a host's files;
//! - [`plan`]: desired state + documents -> per-file patches -> unified diff;
//! - [`apply`]: lock, back up, write atomically, validate, restart, roll back;
//! - [`system`]: the root prefix, files, locks and services, behind small interfaces;
//! - [`check`] and [`rules`]: the linter, judging with the same requirements;
//! - [`report`]: the only place that prints.

pub mod apply;
pub mod check;
pub mod cli;
pub mod demo;
pub mod document;
pub mod failure;
pub mod generate;
pub mod install;
pub mod jitsi;
pub mod plan;
pub mod prompt;
pub mod report;
pub mod rules;
pub mod secret;
pub mod settings;
pub mod state;
pub mod system;
pub mod templates;
pub mod token;
pub mod uninstall;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::Parser;

pub use failure::Failure;

/// Runs the command line and maps its outcome to the documented exit code.
pub fn main_with_args<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match cli::Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help/version to stdout (exit 0) and usage errors to stderr (exit 2).
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            report::error(&failure);
            ExitCode::from(failure.code)
        }
    }
}

/// Runs one parsed command; `Ok` carries the exit code of a command that ran to its end.
pub fn run(cli: cli::Cli) -> Result<u8, Failure> {
    let mut env = system::Env::real();
    match cli.command {
        cli::Command::Install(args) => install::run_install(&args, &mut env),
        cli::Command::Uninstall(args) => uninstall::run_uninstall(&args, &mut env),
        cli::Command::Check(args) => check::run(&args, &mut env),
        cli::Command::Token(cmd) => token::run(&cmd, &mut env),
        cli::Command::Demo(args) => demo::run(&args, &mut env),
        cli::Command::Generate(args) => generate::run(&args),
    }
}
