//! `jitsi-tokens token`: mint and verify JWTs as Jitsi's Prosody modules judge them (not yet
//! implemented).

use crate::cli::TokenCommand;
use crate::failure::Failure;
use crate::system::Env;

pub fn run(_cmd: &TokenCommand, _env: &mut Env) -> Result<u8, Failure> {
    Err(crate::input!("token is not implemented yet"))
}
