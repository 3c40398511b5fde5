//! `jitsi-tokens demo`: the main job on built-in stock configs, with no Jitsi installed.
//!
//! Renders a Debian-layout host for `meet.example.org` from the embedded templates into a
//! directory, runs install there (generated secret, no restart) and shows the diff.

use std::path::Path;

use anyhow::Context;

use crate::cli::{DemoArgs, OutputFormat, TargetArgs};
use crate::failure::Failure;
use crate::install;
use crate::jitsi::layout::{HostFiles, Role};
use crate::plan::{self, FilePlan};
use crate::settings::{Host, InstallSettings, SecretSource};
use crate::system::Env;
use crate::templates;

pub const DEMO_HOST: &str = "meet.example.org";
const MARKER: &str = ".jitsi-tokens-demo";

pub fn run(args: &DemoArgs, env: &mut Env) -> Result<u8, Failure> {
    let DemoArgs { dir } = args;
    prepare(dir)?;
    let stock = stock_files(DEMO_HOST);
    write_stock(dir, DEMO_HOST)
        .with_context(|| format!("cannot write the demo files under {}", dir.display()))
        .map_err(Failure::input)?;
    let files = HostFiles::debian(DEMO_HOST);
    let settings = InstallSettings {
        host: Host::resolve(&TargetArgs {
            root: dir.clone(),
            hostname: Some(DEMO_HOST.into()),
        })?,
        app_id: Some("jitsi-tokens-demo".into()),
        secret: SecretSource::Generate,
        allow_empty_token: true,
        interactive: false,
        dry_run: false,
        no_restart: true,
        format: OutputFormat::Human,
    };
    let outcome = install::install(&settings, env)?;
    let secret = outcome
        .generated_secret
        .as_ref()
        .map(|s| s.expose().to_string())
        .unwrap_or_default();
    let mut out = format!(
        "Wrote the stock Debian configuration of {DEMO_HOST} under {} and ran install on it.\n\n",
        dir.display()
    );
    for (role, before) in &stock {
        let path = settings.host.root.join(files.path(*role));
        let after = std::fs::read_to_string(&path).unwrap_or_default();
        let shown = path.display().to_string();
        let file = FilePlan {
            role: *role,
            before: before.clone(),
            after,
            changes: Vec::new(),
        };
        if file.changed() {
            out.push_str(&plan::diff(&file, &shown, &[secret.as_str()]));
        }
    }
    out.push('\n');
    use std::io::Write;
    let _ = env.stdout.write_all(out.as_bytes());
    crate::report::install(env, &outcome, OutputFormat::Human);
    let _ = writeln!(
        env.stdout,
        "\nRun it again and nothing changes:\n  jitsi-tokens install --root {} --non-interactive",
        dir.display()
    );
    Ok(0)
}

/// The project's own stock Debian files of `host` (written for the demo, shaped like what the
/// jitsi-meet packages install), by role.
pub fn stock_files(host: &str) -> [(Role, String); 3] {
    let ctx = templates::context(&[
        ("host", host),
        ("turn_secret", "demo-turn-secret"),
        ("focus_password", "demo-focus-password"),
    ]);
    [
        (Role::Prosody, "demo/prosody-host.cfg.lua"),
        (Role::Meet, "demo/config.js"),
        (Role::Jicofo, "demo/jicofo.conf"),
    ]
    .map(|(role, template)| (role, templates::render_file(template, &ctx)))
}

/// Writes [`stock_files`] under `root` in the Debian layout; returns the paths written.
pub fn write_stock(root: &Path, host: &str) -> std::io::Result<Vec<std::path::PathBuf>> {
    let files = HostFiles::debian(host);
    let mut written = Vec::new();
    for (role, text) in stock_files(host) {
        let path = root.join(files.path(role));
        std::fs::create_dir_all(path.parent().expect("a file path"))?;
        std::fs::write(&path, text)?;
        written.push(path);
    }
    Ok(written)
}

/// An empty or missing directory, or one a previous demo made (which is cleared).
fn prepare(dir: &Path) -> Result<(), Failure> {
    if dir.join(MARKER).is_file() {
        for sub in ["etc", "var"] {
            let path = dir.join(sub);
            if path.exists() {
                std::fs::remove_dir_all(&path)
                    .with_context(|| {
                        format!("cannot clear the previous demo in {}", path.display())
                    })
                    .map_err(Failure::input)?;
            }
        }
    } else if dir.exists() && std::fs::read_dir(dir).map_or(true, |mut d| d.next().is_some()) {
        return Err(crate::input!(
            "{} exists and is not an earlier demo; name another directory: jitsi-tokens demo DIR",
            dir.display()
        ));
    }
    std::fs::create_dir_all(dir)
        .and_then(|()| std::fs::write(dir.join(MARKER), "made by jitsi-tokens demo\n"))
        .with_context(|| format!("cannot create {}", dir.display()))
        .map_err(Failure::input)
}
