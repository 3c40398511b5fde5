#!/usr/bin/env bash
# The long rounds of the reliability harness (issue 6, RELIABILITY.md). `tests/run.sh` runs the
# same tests with CI-sized rounds; these take hours of one core, so everything runs at nice 19,
# one test at a time. Each figure lands in target/reliability/*.txt; findings of the fuzzer in
# target/fuzz-findings/. Run as root (mounts, other owners, strace).
#
#   tests/reliability-long.sh            # everything
#   tests/reliability-long.sh fuzz       # one part: fuzz, crash, concurrency, hostile
#   tests/reliability-long.sh fuzz-shards
#       the fuzz round as shards of 1 million executions (JT_SEED, JT_SEED+1, ...), run
#       JT_FUZZ_JOBS at a time (default: every core); JT_FUZZ_TARGETS picks targets. Each
#       shard's figures go to target/reliability/fuzz-TARGET-SEED.log, its findings to
#       target/fuzz-findings/TARGET-SEED/; a summary per target at the end.
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
    fuzz-shards)
      cargo test --release --locked --test fuzz --no-run 2>target/fuzz-build.log
      bin=$(sed -n 's/.*Executable tests\/fuzz.rs (\(.*\))/\1/p' target/fuzz-build.log)
      mkdir -p target/reliability && rm -f target/reliability/fuzz-*-*.log
      for t in ${JT_FUZZ_TARGETS:-lua js hocon install uninstall}; do
        for i in $(seq 0 $((${JT_FUZZ_SHARDS:-10} - 1))); do echo "$t $((JT_SEED + i))"; done
      done | JT_FUZZ_EXECS="${JT_FUZZ_EXECS:-1000000}" xargs -P "${JT_FUZZ_JOBS:-$(nproc)}" -L1 sh -c '
        rm -rf "target/fuzz-findings/$1-$2" && mkdir -p "target/fuzz-findings/$1-$2"
        JT_SEED=$2 JT_FUZZ_TARGET=$1 JT_FUZZ_ORACLE_SAMPLES=40 \
          JT_FUZZ_FINDINGS="target/fuzz-findings/$1-$2" nice -n 19 "$0" --nocapture \
          --test-threads=1 >"target/reliability/fuzz-$1-$2.log" 2>&1 || true
        grep -h "executions" "target/reliability/fuzz-$1-$2.log"' "$bin"
      # Per target: executions, panics, property findings over its shards.
      cat target/reliability/fuzz-*-*.log | awk '/^fuzz: [a-z]+: [0-9]+ executions/ {
          t = $2; sub(":", "", t); e[t] += $3; p[t] += $10; f[t] += $16 }
        END { for (t in e) printf "%s %d executions, %d panics, %d property findings\n", t, e[t], p[t], f[t]
              for (t in p) if (p[t]) exit 1 }' ;;
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
    *) echo "unknown part $part (fuzz, fuzz-shards, crash, concurrency, hostile)" >&2; exit 2 ;;
  esac
done
