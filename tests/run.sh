#!/usr/bin/env bash
# The whole test suite, in one command: installs the real programs the tests judge with when they
# are missing (Prosody and Lua 5.4, Node.js, a JRE with Typesafe Config, PyJWT), then runs rustfmt,
# clippy and every test. Run it as root on Debian 12, or install the packages named below first.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
[ -e /usr/lib/prosody/core/configmanager.lua ] || need+=(prosody)
command -v lua5.4 >/dev/null || need+=(lua5.4)
command -v node >/dev/null || need+=(nodejs)
command -v java >/dev/null || need+=(default-jre-headless)
[ -e /usr/share/java/typesafe-config.jar ] || need+=(libtypesafe-config-java)
command -v script >/dev/null || need+=(bsdutils)
command -v npm >/dev/null || need+=(npm) # check: fetches the SARIF schema (npm pack)
command -v git >/dev/null || need+=(git)
# The reliability harness (RELIABILITY.md): strace for tests/secrets.rs, GNU time for the peak
# memory figures of tests/hostile.rs; mounts and namespaces (tests/full_disk.rs) need root.
command -v strace >/dev/null || need+=(strace)
[ -x /usr/bin/time ] || need+=(time)
if ((${#need[@]})); then
  if [ "$(id -u)" != 0 ]; then
    echo "tests/run.sh: missing ${need[*]}; run as root, or: sudo apt-get install -y ${need[*]}" >&2
    exit 1
  fi
  echo "tests/run.sh: installing ${need[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
if ! python3 -c 'import jwt, cryptography' 2>/dev/null; then
  echo "tests/run.sh: installing PyJWT and cryptography from PyPI" >&2
  python3 -m pip install -q --disable-pip-version-check pyjwt cryptography
fi
# check: SARIF validated against the official schema; the hooks run by the real pre-commit.
if ! python3 -c 'import jsonschema' 2>/dev/null || ! command -v pre-commit >/dev/null; then
  echo "tests/run.sh: installing jsonschema and pre-commit from PyPI" >&2
  python3 -m pip install -q --disable-pip-version-check jsonschema pre-commit
fi

cargo fmt --check
cargo clippy --all-targets --locked -- -D warnings
cargo test --locked

# The Debian package, installed with the real dpkg into an isolated Debian root (needs root).
if [ "$(id -u)" = 0 ]; then
  tests/debian/run.sh
else
  echo "tests/run.sh: not root, so the Debian package test (tests/debian/run.sh) was skipped" >&2
fi
