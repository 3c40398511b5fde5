#!/bin/sh
# Builds (once) the cached Debian bookworm root that tests/debian/run.sh copies for each run.
#
# The root is a debootstrap minbase system plus prosody and lua5.4 (what a real Jitsi host has and
# what the postinst uses to read the Prosody configuration with Prosody's own loader), plus a
# recording policy-rc.d that denies every service start: no daemon ever runs inside it, and every
# start/restart request dpkg's maintainer scripts make lands in /var/log/policy-rc.d.log.
#
# Usage: base-chroot.sh CACHE_DIR        (prints the path of the ready root)
# Environment: JT_DEB_MIRROR overrides the Debian mirror (default: the one this machine's apt uses).
set -eu

cache=${1:?usage: base-chroot.sh CACHE_DIR}
suite=bookworm
# Bump when the contents below change: a stale cache is then rebuilt, never reused.
version=3
base="$cache/base-$suite"
stamp="$base/.jitsi-tokens-base"

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$version" ]; then
    echo "$base"
    exit 0
fi

# The mirror this machine's apt already uses, so the cache needs no configuration of its own.
mirror=${JT_DEB_MIRROR:-}
if [ -z "$mirror" ]; then
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        mirror=$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' "$f")
        [ -n "$mirror" ] && break
    done
fi
if [ -z "$mirror" ] && [ -f /etc/apt/sources.list ]; then
    mirror=$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { print $i; exit } }' /etc/apt/sources.list)
fi
[ -n "$mirror" ] || { echo "base-chroot: no Debian mirror found; set JT_DEB_MIRROR" >&2; exit 2; }

echo "base-chroot: building $base from $mirror (one time; cached afterwards)" >&2
rm -rf "$base" "$base.tmp"
mkdir -p "$cache"
start=$(date +%s)
debootstrap --variant=minbase "$suite" "$base.tmp" "$mirror" >"$cache/debootstrap.log" 2>&1 || {
    tail -n 30 "$cache/debootstrap.log" >&2
    exit 1
}

# A policy-rc.d that records and denies: invoke-rc.d and deb-systemd-invoke consult it.
cat >"$base.tmp/usr/sbin/policy-rc.d" <<'EOF'
#!/bin/sh
# Test stand-in: record the request, deny it (101 = action forbidden by policy).
echo "$*" >>/var/log/policy-rc.d.log
exit 101
EOF
chmod 0755 "$base.tmp/usr/sbin/policy-rc.d"

# prosody and lua5.4 as on a real Jitsi host; debconf-utils for debconf-get-selections.
unshare --mount --propagation private sh -euc '
    root=$1
    mount -t proc proc "$root/proc"
    chroot "$root" env DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 \
        apt-get install -y --no-install-recommends prosody lua5.4 debconf-utils
    chroot "$root" apt-get clean
' sh "$base.tmp" >>"$cache/debootstrap.log" 2>&1 || {
    tail -n 30 "$cache/debootstrap.log" >&2
    exit 1
}
: >"$base.tmp/var/log/policy-rc.d.log"
echo "$version" >"$base.tmp/.jitsi-tokens-base"
mv "$base.tmp" "$base"
echo "base-chroot: built in $(($(date +%s) - start)) s" >&2
echo "$base"
