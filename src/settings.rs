//! Command-line flags resolved against the environment, once: the root, the host, where the
//! secret comes from, whether prompting is allowed.
//!
//! Every field of the clap struct is destructured, so a new flag cannot be silently ignored.

use std::path::{Path, PathBuf};

use crate::cli::{GenerateSecret, InstallArgs, OutputFormat, TargetArgs};
use crate::failure::Failure;
use crate::jitsi::layout::{self, HostFiles};
use crate::system::Env;
use crate::system::fs::Root;

/// The host a command works on.
#[derive(Debug, Clone)]
pub struct Host {
    pub root: Root,
    pub files: HostFiles,
}

impl Host {
    /// Resolves `--root` and `--hostname` (detecting the host when it is not given).
    pub fn resolve(target: &TargetArgs) -> Result<Self, Failure> {
        let TargetArgs { root, hostname } = target;
        let root = Root::new(root).map_err(Failure::input)?;
        let hostname = match hostname {
            Some(h) => {
                layout::validate_hostname(h).map_err(|e| crate::input!("--hostname: {e}"))?;
                h.clone()
            }
            None => detect_hostname(&root)?,
        };
        Ok(Host {
            files: HostFiles::debian(&hostname),
            root,
        })
    }

    pub fn hostname(&self) -> &str {
        &self.files.hostname
    }
}

fn detect_hostname(root: &Root) -> Result<String, Failure> {
    let (both, meet, prosody) = layout::candidate_hosts(root.path());
    match both.as_slice() {
        [one] => Ok(one.clone()),
        // A Prosody-only machine (the web server elsewhere): its one host is the answer.
        [] if meet.is_empty() && prosody.len() == 1 => Ok(prosody[0].clone()),
        [] => Err(crate::input!(
            "cannot tell which Jitsi Meet host to configure under {}: no host has both {} and {}\n\
             found config.js for: {}\nfound Prosody host files for: {}\n\
             pass --hostname HOST (and --root DIR if the files are not under /)",
            root.path().display(),
            root.display(Path::new(&format!("{}/HOST-config.js", layout::MEET_DIR))),
            root.display(Path::new(&format!(
                "{}/HOST.cfg.lua",
                layout::PROSODY_AVAIL
            ))),
            list(&meet),
            list(&prosody),
        )),
        several => Err(crate::input!(
            "several Jitsi Meet hosts under {}: {}; pass --hostname HOST to choose one",
            root.path().display(),
            several.join(", ")
        )),
    }
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items.join(", ")
    }
}

/// Where the app secret comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource {
    File(PathBuf),
    Stdin,
    Generate,
    /// Keep a real configured secret, else generate one.
    GenerateIfMissing,
    /// Not given: keep the configured one, else prompt (terminal only), else fail.
    Unspecified,
}

/// `install`, resolved.
#[derive(Debug, Clone)]
pub struct InstallSettings {
    pub host: Host,
    pub app_id: Option<String>,
    pub secret: SecretSource,
    pub allow_empty_token: bool,
    /// Prompts are allowed: stdin is a terminal and `--non-interactive` is absent.
    pub interactive: bool,
    pub dry_run: bool,
    pub no_restart: bool,
    pub format: OutputFormat,
}

impl InstallSettings {
    pub fn resolve(args: &InstallArgs, env: &Env) -> Result<Self, Failure> {
        let InstallArgs {
            target,
            app_id,
            app_secret_file,
            generate_secret,
            no_allow_empty_token,
            non_interactive,
            dry_run,
            no_restart,
            format,
        } = args;
        let secret = match (app_secret_file, generate_secret) {
            (Some(p), _) if p.as_os_str() == "-" => SecretSource::Stdin,
            (Some(p), _) => SecretSource::File(p.clone()),
            (None, Some(GenerateSecret::Always)) => SecretSource::Generate,
            (None, Some(GenerateSecret::IfMissing)) => SecretSource::GenerateIfMissing,
            (None, None) => SecretSource::Unspecified,
        };
        let interactive = !non_interactive
            && env.stdin_is_terminal
            && secret != SecretSource::Stdin
            && std::env::var_os("DEBIAN_FRONTEND").is_none_or(|v| v != "noninteractive");
        Ok(InstallSettings {
            host: Host::resolve(target)?,
            app_id: app_id.clone(),
            secret,
            allow_empty_token: !no_allow_empty_token,
            interactive,
            dry_run: *dry_run,
            no_restart: *no_restart,
            format: *format,
        })
    }
}
