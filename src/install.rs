//! `jitsi-tokens install` and `uninstall` (not yet implemented).

use crate::cli::{InstallArgs, UninstallArgs};
use crate::failure::Failure;
use crate::system::Env;

pub fn run_install(_args: &InstallArgs, _env: &mut Env) -> Result<u8, Failure> {
    Err(crate::input!("install is not implemented yet"))
}

pub fn run_uninstall(_args: &UninstallArgs, _env: &mut Env) -> Result<u8, Failure> {
    Err(crate::input!("uninstall is not implemented yet"))
}
