//! The `jitsi-tokens` binary: parse, run, turn the outcome into an exit code.

// mimalloc: the Lua parser allocates a token at a time; `check` on many hosts spends a quarter
// of its time in glibc's malloc otherwise (BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    jitsi_tokens::main_with_args(std::env::args_os())
}
