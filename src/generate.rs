//! `jitsi-tokens generate` (hidden): the man pages and shell completions, rendered from the clap
//! definitions in [`crate::cli`] so they can never drift from `--help`.
//!
//! Packaging runs it on the freshly built binary (`debian/rules`); users never need it, so the
//! subcommand is hidden from `--help`, the man pages and the completions themselves.

use std::path::Path;

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::{Cli, GenerateArgs, GenerateWhat};
use crate::failure::Failure;

/// Writes the requested files into `args.out_dir` (created when missing) and names each one on
/// stdout.
pub fn run(args: &GenerateArgs) -> Result<u8, Failure> {
    std::fs::create_dir_all(&args.out_dir).map_err(|e| {
        Failure::input(anyhow::anyhow!(
            "cannot create {}: {e}; choose a writable --out-dir",
            args.out_dir.display()
        ))
    })?;
    match args.what {
        GenerateWhat::Man => man_pages(&args.out_dir),
        GenerateWhat::Completions => completions(&args.out_dir),
        GenerateWhat::StockHost => crate::demo::write_stock(&args.out_dir, crate::demo::DEMO_HOST)
            .map(|paths| {
                for p in paths {
                    println!("{}", p.display());
                }
            }),
    }
    .map_err(|e| {
        Failure::failed(anyhow::anyhow!(
            "writing into {}: {e}",
            args.out_dir.display()
        ))
    })?;
    Ok(0)
}

/// One page per visible (sub)command: `jitsi-tokens.1`, `jitsi-tokens-install.1`, ...
fn man_pages(dir: &Path) -> std::io::Result<()> {
    clap_mangen::generate_to(Cli::command(), dir)?;
    let mut names: Vec<_> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".1"))
        .collect();
    names.sort();
    for name in names {
        println!("{}", dir.join(name).display());
    }
    Ok(())
}

/// The command tree without hidden subcommands: clap_complete's static generators would
/// otherwise offer `generate` on TAB (clap has no way to remove a subcommand, so the top level is
/// rebuilt; it has no arguments of its own besides the automatic --help and --version).
fn visible_command() -> clap::Command {
    let full = Cli::command();
    clap::Command::new("jitsi-tokens")
        .version(env!("CARGO_PKG_VERSION"))
        .about(full.get_about().cloned().unwrap_or_default())
        .subcommand_required(full.is_subcommand_required_set())
        .subcommands(full.get_subcommands().filter(|s| !s.is_hide_set()).cloned())
}

/// bash (`jitsi-tokens.bash`), zsh (`_jitsi-tokens`) and fish (`jitsi-tokens.fish`).
fn completions(dir: &Path) -> std::io::Result<()> {
    for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
        let mut cmd = visible_command();
        let path = clap_complete::generate_to(shell, &mut cmd, "jitsi-tokens", dir)?;
        println!("{}", path.display());
    }
    Ok(())
}
