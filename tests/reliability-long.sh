#!/usr/bin/env bash
# The long rounds of the reliability harness (issue 6, RELIABILITY.md). `tests/run.sh` runs the
# same tests with CI-sized rounds; these take hours of one core, so everything runs at nice 19,
# one test at a time. Each figure lands in target/reliability/*.txt; findings of the fuzzer in
# target/fuzz-findings/. Run as root (mounts, other owners, strace).
#
#   tests/reliability-long.sh            # everything
#   tests/reliability-long.sh fuzz       # one part: fuzz, crash, concurrency, hostile
set -euo pipefail
cd "$(dirname "$0")/.."
export JT_SEED="${JT_SEED:-$(date +%s)}"
echo "tests/reliability-long.sh: JT_SEED=$JT_SEED" >&2
parts=("${@:-fuzz crash concurrency hostile}")
for part in ${parts[*]}; do
  case "$part" in
    fuzz)
      # 10 million executions per target, release build.
      JT_FUZZ_EXECS="${JT_FUZZ_EXECS:-10000000}" JT_FUZZ_ORACLE_SAMPLES=400 \
        nice -n 19 cargo test --release --locked --test fuzz -- --nocapture --test-threads=1 ;;
    crash)
      # The debug binary, for its step delay.
      JT_CRASH_KILLS="${JT_CRASH_KILLS:-5000}" \
        nice -n 19 cargo test --locked --test crash -- --nocapture --test-threads=1 ;;
    concurrency)
      JT_RACE_ROUNDS="${JT_RACE_ROUNDS:-100}" \
        nice -n 19 cargo test --locked --test concurrency -- --nocapture --test-threads=1 ;;
    hostile)
      JT_SECRETS="${JT_SECRETS:-100000}" JT_SECRETS_E2E="${JT_SECRETS_E2E:-1000}" \
        nice -n 19 cargo test --locked --test hostile -- --nocapture --test-threads=1 ;;
    *) echo "unknown part $part (fuzz, crash, concurrency, hostile)" >&2; exit 2 ;;
  esac
done
