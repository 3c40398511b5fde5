//! Restarting services: systemctl where systemd runs, `service` otherwise, and a clear sentence
//! when neither can (a chroot, an image, a container). Tests use [`Recorder`], since systemd
//! cannot run where they do.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::rc::Rc;

/// Something that restarts services.
pub trait Services {
    /// Restarts `unit`; the error is a sentence for the user.
    fn restart(&mut self, unit: &str) -> Result<(), String>;
    /// How restarts are done, for messages (`systemctl`).
    fn name(&self) -> String;
}

/// How this run will restart services.
pub enum Restarter {
    Run(Box<dyn Services>),
    /// Not restarting, and why (a sentence).
    Skip(String),
}

/// The real ways: `systemctl restart UNIT` or `service UNIT restart`.
pub struct CommandServices {
    program: PathBuf,
    systemd: bool,
}

impl Services for CommandServices {
    fn restart(&mut self, unit: &str) -> Result<(), String> {
        let mut cmd = Command::new(&self.program);
        if self.systemd {
            cmd.args(["restart", unit]);
        } else {
            cmd.args([unit, "restart"]);
        }
        let out = cmd
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run {}: {e}", self.program.display()))?;
        if out.status.success() {
            Ok(())
        } else {
            let stderr = String::from_utf8_lossy(&out.stderr);
            Err(format!(
                "`{} {}` failed ({}): {}",
                self.program.display(),
                if self.systemd {
                    format!("restart {unit}")
                } else {
                    format!("{unit} restart")
                },
                out.status,
                stderr.trim()
            ))
        }
    }

    fn name(&self) -> String {
        self.program.display().to_string()
    }
}

/// Finds `program` on `PATH`.
fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(program))
            .find(|p| p.is_file())
    })
}

/// Decides how to restart: never under a root other than `/` or with `--no-restart`;
/// systemctl when `systemd_marker` (`/run/systemd/system`) exists; else `service`.
pub fn detect(system_root: bool, no_restart: bool, systemd_marker: &Path) -> Restarter {
    if no_restart {
        return Restarter::Skip("--no-restart was given".into());
    }
    if !system_root {
        return Restarter::Skip(
            "--root is not /, so the services of this machine are not the ones to restart".into(),
        );
    }
    if systemd_marker.is_dir()
        && let Some(program) = which("systemctl")
    {
        return Restarter::Run(Box::new(CommandServices {
            program,
            systemd: true,
        }));
    }
    if let Some(program) = which("service") {
        return Restarter::Run(Box::new(CommandServices {
            program,
            systemd: false,
        }));
    }
    Restarter::Skip("neither systemd nor service(8) is available".into())
}

/// A stand-in that records restarts and can be told to fail one unit.
#[derive(Clone, Default)]
pub struct Recorder {
    pub log: Rc<RefCell<Vec<String>>>,
    pub fail_on: Option<String>,
}

impl Services for Recorder {
    fn restart(&mut self, unit: &str) -> Result<(), String> {
        self.log.borrow_mut().push(unit.to_string());
        if self.fail_on.as_deref() == Some(unit) {
            return Err(format!("{unit} failed to restart (recorded failure)"));
        }
        Ok(())
    }

    fn name(&self) -> String {
        "recorder".into()
    }
}

/// For tests: a [`CommandServices`] running `program` as systemctl would be run.
pub fn systemctl_at(program: PathBuf) -> Box<dyn Services> {
    Box::new(CommandServices {
        program,
        systemd: true,
    })
}
