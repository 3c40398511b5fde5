//! `jitsi-tokens demo` (not yet implemented).

use crate::cli::DemoArgs;
use crate::failure::Failure;
use crate::system::Env;

pub fn run(_args: &DemoArgs, _env: &mut Env) -> Result<u8, Failure> {
    Err(crate::input!("demo is not implemented yet"))
}
