//! `jitsi-tokens check`: the token-auth linter (not yet implemented).

use crate::cli::CheckArgs;
use crate::failure::Failure;
use crate::system::Env;

pub fn run(_args: &CheckArgs, _env: &mut Env) -> Result<u8, Failure> {
    Err(crate::input!("check is not implemented yet"))
}
