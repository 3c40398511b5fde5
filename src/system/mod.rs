//! The system behind small interfaces: the root prefix and its files ([`fs`]), the run lock
//! ([`lock`]), services ([`services`]), and the process environment ([`Env`]: stdin, stdout,
//! stderr, terminal detection, prompts). Tests build an [`Env`] of their own.

pub mod fs;
pub mod lock;
pub mod services;

use std::cell::RefCell;
use std::io::{self, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::rc::Rc;

use crate::prompt::Prompter;
use services::Services;

/// The process environment a command runs in.
pub struct Env {
    pub stdin: Box<dyn Read>,
    pub stdin_is_terminal: bool,
    pub stdout: Box<dyn Write>,
    pub stdout_is_terminal: bool,
    pub stderr: Box<dyn Write>,
    /// Asks the user; `None` uses dialoguer on the terminal.
    pub prompter: Option<Box<dyn Prompter>>,
    /// Replaces service detection (tests).
    pub services: Option<Box<dyn Services>>,
    /// Where systemd's runtime directory is looked for.
    pub systemd_marker: PathBuf,
}

impl Env {
    /// How this run restarts services: not at all with `--no-restart`; a stand-in a test put
    /// here; else what [`services::detect`] finds for `root`.
    pub fn restarter(&mut self, root: &fs::Root, no_restart: bool) -> services::Restarter {
        if no_restart {
            services::Restarter::Skip("--no-restart was given".into())
        } else if let Some(services) = self.services.take() {
            services::Restarter::Run(services)
        } else {
            services::detect(root.is_system_root(), false, &self.systemd_marker)
        }
    }

    pub fn real() -> Self {
        Env {
            stdin: Box::new(io::stdin()),
            stdin_is_terminal: io::stdin().is_terminal(),
            stdout: Box::new(io::stdout()),
            stdout_is_terminal: io::stdout().is_terminal(),
            stderr: Box::new(io::stderr()),
            prompter: None,
            services: None,
            systemd_marker: PathBuf::from("/run/systemd/system"),
        }
    }

    /// An environment for tests: `stdin` as given, output captured in the returned buffers.
    pub fn captured(stdin: &[u8]) -> (Self, Captured) {
        let out = Captured::default();
        let env = Env {
            stdin: Box::new(io::Cursor::new(stdin.to_vec())),
            stdin_is_terminal: false,
            stdout: Box::new(out.stdout.clone()),
            stdout_is_terminal: false,
            stderr: Box::new(out.stderr.clone()),
            prompter: None,
            services: None,
            systemd_marker: PathBuf::from("/nonexistent/systemd"),
        };
        (env, out)
    }
}

/// Output captured by [`Env::captured`].
#[derive(Clone, Default)]
pub struct Captured {
    pub stdout: SharedBuf,
    pub stderr: SharedBuf,
}

/// A cloneable in-memory writer.
#[derive(Clone, Default)]
pub struct SharedBuf(pub Rc<RefCell<Vec<u8>>>);

impl SharedBuf {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.borrow()).into_owned()
    }
}

impl Write for SharedBuf {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
