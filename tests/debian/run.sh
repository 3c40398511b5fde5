#!/bin/bash
# The Debian package test: build the .deb with dpkg-buildpackage, lint it, then install, reinstall,
# reconfigure, remove and purge it with the real dpkg and preseeded debconf answers inside an
# isolated Debian bookworm root that holds ../shared/fixtures/debian-default. Never touches this
# machine's /etc or its services. See tests/debian/README.md.
#
# Usage: tests/debian/run.sh [--stub] [--no-build] [--keep]
#   --stub      replace the packaged binary by tests/debian/stub-jitsi-tokens: tests the
#               maintainer scripts alone (until `install`/`uninstall` exist, or to isolate them)
#   --no-build  reuse the .deb of the previous run
#   --keep      keep the test root (under $JT_DEB_CACHE/run) for inspection
# Environment:
#   JT_DEB_CACHE  cache directory (default /var/cache/jitsi-tokens-ci): base root, cargo target
#                 directory, build copy, run root
#   JITSI_TOKENS_SHARED_FIXTURES  the shared fixtures (default ../shared/fixtures beside the repo)
#   CARGO         the cargo to build with (default: cargo on PATH)
# Needs root (chroot, dpkg, mount namespace). Exit 0 when every check passed.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${JT_DEB_CACHE:-/var/cache/jitsi-tokens-ci}
stub=no build=yes keep=no
for arg; do
    case $arg in
        --stub) stub=yes ;;
        --no-build) build=no ;;
        --keep) keep=yes ;;
        *) echo "usage: $0 [--stub] [--no-build] [--keep]" >&2; exit 2 ;;
    esac
done

[ "$(id -u)" -eq 0 ] || { echo "tests/debian/run.sh: needs root (chroot, dpkg, mounts)" >&2; exit 2; }

fixtures=${JITSI_TOKENS_SHARED_FIXTURES:-}
if [ -z "$fixtures" ]; then
    for candidate in "$repo/../shared/fixtures" /work/shared/fixtures; do
        if [ -f "$candidate/SOURCES.md" ]; then fixtures=$candidate; break; fi
    done
fi
if [ -z "$fixtures" ] || [ ! -d "$fixtures/debian-default/etc" ]; then
    # No upstream fixtures on this machine: use the project's own stock Debian host instead.
    fixtures="$cache/own-fixtures"
    rm -rf "$fixtures" && mkdir -p "$fixtures/debian-default"
    echo "tests/debian/run.sh: shared fixtures not found; using the project's own stock host" >&2
    (cd "$repo" && ${CARGO:-cargo} run --quiet --locked -- generate stock-host \
        --out-dir "$fixtures/debian-default") >/dev/null
fi

t0=$(date +%s)
phase_start=$t0
phase() { # NAME: prints the duration of the phase that just ended
    local now
    now=$(date +%s)
    printf '## %s: %d s\n' "$1" "$((now - phase_start))"
    phase_start=$now
}

# Tools: packaging, isolation and the oracles (Prosody's loader, Node.js, Typesafe Config).
need=()
command -v dpkg-buildpackage >/dev/null || need+=(dpkg-dev)
[ -f /usr/share/perl5/Debian/Debhelper/Dh_Lib.pm ] || need+=(debhelper)
command -v lintian >/dev/null || need+=(lintian)
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v fakeroot >/dev/null || need+=(fakeroot)
command -v strace >/dev/null || need+=(strace)
command -v ps >/dev/null || need+=(procps)
command -v lua5.4 >/dev/null || need+=(lua5.4)
[ -f /usr/lib/prosody/core/configmanager.lua ] || need+=(prosody)
command -v node >/dev/null || need+=(nodejs)
command -v java >/dev/null || need+=(default-jre-headless)
[ -f /usr/share/java/typesafe-config.jar ] || need+=(libtypesafe-config-java)
if [ ${#need[@]} -gt 0 ]; then
    echo "## installing ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
    phase "tools"
fi

# rustup's cargo, when this environment's PATH lacks it (debian/rules uses the cargo on PATH).
if [ -z "${CARGO:-}" ] && ! command -v cargo >/dev/null && [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
fi

mkdir -p "$cache"
src="$cache/src/jitsi-tokens"
deb="$cache/src/jitsi-tokens_$(dpkg-parsechangelog -l "$repo/debian/changelog" -S Version)_$(dpkg --print-architecture).deb"

if [ "$build" = yes ]; then
    # Build from a copy at a fixed path (dpkg-buildpackage writes its results to ..) with a
    # persistent cargo target directory: a warm build recompiles only what changed. tar keeps
    # the mtimes, so unchanged sources stay fresh for cargo.
    rm -rf "$src" "$cache"/src/jitsi-tokens_*
    mkdir -p "$src"
    tar -C "$repo" --exclude=./target --exclude=./.git --exclude=./jitsi-tokens-demo -cf - . |
        tar -C "$src" -xf -
    echo "## dpkg-buildpackage -us -uc -b (log: $cache/build.log)"
    if ! (cd "$src" && CARGO_TARGET_DIR="$cache/target" nice dpkg-buildpackage -us -uc -b) \
        >"$cache/build.log" 2>&1; then
        tail -n 40 "$cache/build.log"
        echo "0 passed, 1 failed"
        exit 1
    fi
    phase "build"
fi
[ -f "$deb" ] || { echo "no $deb: run without --no-build" >&2; exit 2; }

echo "## lintian"
# --fail-on error: warnings and infos are shown but do not fail the test.
lint_status=0
lintian --fail-on error --info "${deb%.deb}.changes" >"$cache/lintian.log" 2>&1 || lint_status=$?
grep -v '^running with root privileges' "$cache/lintian.log" || true
echo "(lintian exit $lint_status)"
phase "lintian"

base=$(sh "$here/base-chroot.sh" "$cache")
phase "base root"

# The rest runs in a private mount namespace: the root's /proc mount disappears with it.
set +e
unshare --mount --propagation private bash "$here/scenario.sh" \
    "$cache" "$base" "$deb" "$fixtures/debian-default" "$stub" "$keep" "$lint_status"
status=$?
set -e
phase "scenario"
printf '## total: %d s\n' "$(($(date +%s) - t0))"
exit $status
