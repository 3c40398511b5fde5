//! Command-line definitions: every subcommand, flag and exit code the tool promises.
//!
//! This module only describes the interface (clap derive); [`crate::settings`] resolves it against
//! the environment. Flag names and exit codes are a contract with scripts, the Debian package and
//! CI pipelines: do not rename them.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const EXIT_CODES: &str = "\
Exit codes:
  0  done: changed, or already in place (check: no error-level finding)
  1  a write, validation or restart failed and files were rolled back (check: findings)
  2  bad usage or input: nothing was written";

/// Token authentication for Debian Jitsi Meet hosts, set up losslessly and checked precisely.
#[derive(Debug, Parser)]
#[command(name = "jitsi-tokens", version, after_help = EXIT_CODES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

// Parsed once per run: the size difference between variants does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Configure JWT token authentication on a Jitsi Meet host, in place and idempotently.
    ///
    /// Patches the Prosody host file, config.js and jicofo.conf with minimal edits, validates the
    /// result, and restarts prosody, jicofo and jitsi-videobridge2 only when something changed.
    #[command(after_help = EXIT_CODES)]
    Install(InstallArgs),
    /// Revert exactly what install added, keeping every later edit of the admin.
    #[command(after_help = EXIT_CODES)]
    Uninstall(UninstallArgs),
    /// Lint a host, or a tree of hosts, for a correct token-authentication setup.
    #[command(after_help = "\
Exit codes:
  0  no error-level finding
  1  at least one error-level finding
  2  could not run (usage, unreadable path)")]
    Check(CheckArgs),
    /// Mint test tokens and explain why a token is rejected.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Run install on built-in stock Debian configs for meet.example.org (no Jitsi needed).
    Demo(DemoArgs),
    /// Write the man pages or shell completions (used by packaging; hidden).
    #[command(hide = true)]
    Generate(GenerateArgs),
}

/// Where the files live and which host to work on.
#[derive(Debug, Clone, Args)]
pub struct TargetArgs {
    /// Treat DIR as `/` (a chroot, an image, a test tree). Services are never restarted when DIR
    /// is not `/`.
    #[arg(long, value_name = "DIR", default_value = "/")]
    pub root: PathBuf,
    /// The Jitsi Meet hostname. Default: the one host that has both
    /// `etc/jitsi/meet/HOST-config.js` and `etc/prosody/conf.avail/HOST.cfg.lua`.
    #[arg(long, value_name = "HOST")]
    pub hostname: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Sentences for a person.
    Human,
    /// One JSON object on stdout.
    Json,
}

/// When `--generate-secret` generates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GenerateSecret {
    /// A new secret on every run (rotation).
    Always,
    /// Only when the host has no real secret yet.
    IfMissing,
}

#[derive(Debug, Args)]
pub struct InstallArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// The application id (JWT `iss`). Prompted for when missing on a terminal.
    #[arg(long, value_name = "ID")]
    pub app_id: Option<String>,
    /// Read the application secret from PATH, or from stdin with `-` (one trailing newline is
    /// removed). Secrets are never taken from the command line.
    #[arg(long, value_name = "PATH|-", conflicts_with = "generate_secret")]
    pub app_secret_file: Option<PathBuf>,
    /// Generate a random secret (256 bits, URL-safe) and show it once. With `=if-missing`, keep
    /// the secret the host already has (unless it is a known placeholder) and generate one
    /// only when it has none: what package scripts want on every run.
    #[arg(
        long,
        value_name = "WHEN",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "always"
    )]
    pub generate_secret: Option<GenerateSecret>,
    /// Write `allow_empty_token = false`: every client needs a token, guests included.
    #[arg(long)]
    pub no_allow_empty_token: bool,
    /// Never prompt: a missing input is an error naming the flag that supplies it.
    #[arg(long)]
    pub non_interactive: bool,
    /// Show the unified diff of every file (secret masked); write and restart nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Write the files but restart no service.
    #[arg(long)]
    pub no_restart: bool,
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,
}

#[derive(Debug, Args)]
pub struct UninstallArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// Show the unified diff of every file; write and restart nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Write the files but restart no service.
    #[arg(long)]
    pub no_restart: bool,
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// rustc-style snippets with a caret; colour only on a terminal (`NO_COLOR` honoured).
    Human,
    /// `{"findings": [...], "files_checked": N}`.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF consumers.
    Sarif,
    /// GitHub Actions workflow commands (`::error file=...`).
    Github,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    pub format: CheckFormat,
    /// Print the documentation of a rule (for example JT101) and exit.
    #[arg(long, value_name = "CODE")]
    pub explain: Option<String>,
    /// Files or directories to check instead of the host under --root. Directories are searched
    /// for Debian-layout and docker-jitsi-meet-layout config sets.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Mint a token the configured host accepts (HS256 with its secret, or RS256 with a key).
    New(TokenNewArgs),
    /// Decide whether the configured host accepts a token, and say why not.
    #[command(after_help = "\
Exit codes:
  0  the host accepts the token
  1  the host refuses it (a malformed token too); every failed rule is listed
  2  could not run (no host config, no app_id, missing --public-key, unreadable file)")]
    Verify(TokenVerifyArgs),
}

#[derive(Debug, Args)]
pub struct TokenNewArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// The room the token grants (`*` for every room).
    #[arg(long, value_name = "ROOM|*", default_value = "*")]
    pub room: String,
    /// The `sub` claim. Default: the hostname.
    #[arg(long, value_name = "SUB")]
    pub sub: Option<String>,
    /// The `aud` claim.
    #[arg(long, value_name = "AUD", default_value = "jitsi")]
    pub aud: String,
    /// The `iss` claim. Default: the app id.
    #[arg(long, value_name = "ISS")]
    pub iss: Option<String>,
    /// Lifetime, such as 3600, 90s, 15m, 2h, 7d.
    #[arg(long, value_name = "DURATION", default_value = "1h")]
    pub ttl: String,
    /// `nbf`: a Unix time, an RFC 3339 time, or a duration from now (such as 10m).
    #[arg(long, value_name = "WHEN")]
    pub not_before: Option<String>,
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    #[arg(long, value_name = "EMAIL")]
    pub email: Option<String>,
    #[arg(long, value_name = "URL")]
    pub avatar: Option<String>,
    #[arg(long, value_name = "ID")]
    pub user_id: Option<String>,
    /// Mark the user as a moderator (`context.user.moderator`).
    #[arg(long)]
    pub moderator: bool,
    /// A `context.features` entry, such as `recording=true`. Repeatable.
    #[arg(long, value_name = "NAME=true|false")]
    pub feature: Vec<String>,
    /// Override the app id read from the host.
    #[arg(long, value_name = "ID")]
    pub app_id: Option<String>,
    /// Read the secret from PATH or stdin (`-`) instead of the host's configuration.
    #[arg(long, value_name = "PATH|-")]
    pub app_secret_file: Option<PathBuf>,
    /// Sign with RS256 using this PEM private key (for asap_key_server setups).
    #[arg(long, value_name = "PEM", requires = "kid")]
    pub private_key: Option<PathBuf>,
    /// The key id (`kid` header) that names the public key on the key server.
    #[arg(long, value_name = "KID")]
    pub kid: Option<String>,
    /// Also print `https://HOST/ROOM?jwt=TOKEN`.
    #[arg(long)]
    pub url: bool,
}

#[derive(Debug, Args)]
pub struct TokenVerifyArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// The room the client joins.
    #[arg(long, value_name = "ROOM")]
    pub room: Option<String>,
    /// The tenant (the first path segment of a multi-tenant URL).
    #[arg(long, value_name = "TENANT")]
    pub tenant: Option<String>,
    /// Verify an RS256 token with this PEM public key.
    #[arg(long, value_name = "PEM")]
    pub public_key: Option<PathBuf>,
    /// The token, or `-` to read it from stdin (the default).
    #[arg(value_name = "TOKEN|-", default_value = "-")]
    pub token: String,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where to write the demo tree.
    #[arg(value_name = "DIR", default_value = "jitsi-tokens-demo")]
    pub dir: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GenerateWhat {
    /// roff man pages, one per command (`jitsi-tokens.1`, `jitsi-tokens-install.1`, ...).
    Man,
    /// bash, zsh and fish completion scripts.
    Completions,
    /// The demo's stock Debian files for meet.example.org, as a root tree (test fixtures).
    StockHost,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// What to write.
    #[arg(value_enum)]
    pub what: GenerateWhat,
    /// The directory to write into (created when missing).
    #[arg(long, value_name = "DIR")]
    pub out_dir: PathBuf,
}
