//! The `jitsi-tokens` binary: parse, run, turn the outcome into an exit code.

fn main() -> std::process::ExitCode {
    jitsi_tokens::main_with_args(std::env::args_os())
}
