#!/bin/bash
# The dpkg scenario of tests/debian/run.sh, run inside a private mount namespace (unshare -m).
# Arguments: CACHE BASE_ROOT DEB FIXTURE_DIR STUB(yes|no) KEEP(yes|no) LINTIAN_STATUS
#
# Every dpkg and dpkg-reconfigure call runs in a copy of the base root, under strace (each exec'd
# program's argv and environment is recorded) while ps samples the process list; outputs, traces,
# samples, the root's logs and its debconf database are then searched for the secret.
set -uo pipefail

cache=$1 base=$2 deb=$3 fixture=$4 stub=$5 keep=$6 lint_status=$7
here=$(cd "$(dirname "$0")" && pwd)
run="$cache/run"
R="$run/root"
W="$run/work"
HOST=meet.example.org
PROSODY=etc/prosody/conf.avail/$HOST.cfg.lua
CONFIGJS=etc/jitsi/meet/$HOST-config.js
JICOFO=etc/jitsi/jicofo/jicofo.conf
FILES=("$PROSODY" "$CONFIGJS" "$JICOFO")
# What policy-rc.d records (and denies) when the three services are restarted, in order.
RESTARTS="prosody (restart) jicofo (restart) jitsi-videobridge2 (restart)"
mode=full
[ "$stub" = yes ] && mode=stub

pass=0 fail=0
ok() { echo "ok - $*"; pass=$((pass + 1)); }
notok() { echo "not ok - $*"; fail=$((fail + 1)); }
check() { # DESCRIPTION COMMAND...
    local what=$1
    shift
    if "$@"; then ok "$what"; else notok "$what"; fi
}
section() { printf '\n# %s\n' "$*"; }

finish() {
    if [ "$keep" = yes ]; then
        echo "# root kept at $R (work files in $W)"
    else
        umount "$R/proc" 2>/dev/null
        rm -rf "$R"
    fi
    printf '\n%d passed, %d failed\n' "$pass" "$fail"
    [ "$fail" -eq 0 ]
    exit $?
}

# --- the isolated root ----------------------------------------------------------------------
rm -rf "$run"
mkdir -p "$W"
cp -a --reflink=auto "$base" "$R"
mount -t proc proc "$R/proc"

in_root() {
    chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 HOME=/root \
        DEBIAN_FRONTEND=noninteractive "$@"
}

strace_opts=(-f -qq -xx -v -s 65536 -e trace=execve)
strace --seccomp-bpf -e trace=execve -o /dev/null true 2>/dev/null && strace_opts+=(--seccomp-bpf)

# traced NAME COMMAND...: runs COMMAND in the root with no standard input (nothing may prompt;
# TRACED_STDIN names a file of answers for the debconf frontend TRACED_FRONTEND instead);
# output to $W/NAME.out (and shown), every exec to $W/NAME.trace, process-list samples appended
# to $W/ps.samples. Returns its status.
traced() {
    local name=$1 status sampler
    shift
    (while :; do ps -eww -o args=; sleep 0.05; done) >>"$W/ps.samples" 2>/dev/null &
    sampler=$!
    strace "${strace_opts[@]}" -o "$W/$name.trace" \
        chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 \
        HOME=/root DEBIAN_FRONTEND="${TRACED_FRONTEND:-noninteractive}" "$@" \
        <"${TRACED_STDIN:-/dev/null}" >"$W/$name.out" 2>&1
    status=$?
    kill "$sampler" 2>/dev/null
    wait "$sampler" 2>/dev/null
    sed 's/^/    | /' "$W/$name.out"
    echo "    (exit $status)"
    return $status
}

preseed() { in_root debconf-set-selections; } # answers on stdin

snapshot() { # the bytes, mode and owner of the three files, and the conf.d link
    (cd "$R" && sha256sum "${FILES[@]}" && stat -c '%n %a %U:%G' "${FILES[@]}" &&
        readlink "etc/prosody/conf.d/$HOST.cfg.lua")
}
same_as_fixture() { # FILE: byte-identical to the shared fixture
    cmp -s "$R/$1" "$fixture/$1"
}
restarts() { cat "$R/var/log/policy-rc.d.log"; }
restart_order_since() { # LINE_COUNT: the restart requests logged after that many lines
    tail -n "+$(($1 + 1))" "$R/var/log/policy-rc.d.log" | tr '\n' ' ' | sed 's/ $//'
}

# Prosody 0.12's loader needs a short path: its duplicate-option warning looks the file up by
# Lua's short_src, which is truncated at 60 characters (and then fails on a nil line number).
prosody_read() { # SCRIPT ARGS...: runs a Lua script on the host file, from its directory
    (cd "$R/$(dirname "$PROSODY")" && lua5.4 "$@")
}
oracle_prosody() { # APP_ID SECRET_FILE ALLOW MODE
    prosody_read "$here/oracle-prosody.lua" "$(basename "$PROSODY")" "$HOST" "$@" | sed 's/^/    /'
    return "${PIPESTATUS[0]}"
}
oracles_full() { # APP_ID SECRET_FILE ALLOW: Prosody's loader, Node.js, Typesafe Config
    check "Prosody's loader: token authentication as the handbook requires ($mode checks)" \
        oracle_prosody "$1" "$2" "$3" "$mode"
    if [ "$mode" = full ]; then
        local anon auth
        anon=$(node "$here/oracle-configjs.js" "$R/$CONFIGJS")
        check "node: config.hosts.anonymousdomain = guest.$HOST (got $anon)" [ "$anon" = "guest.$HOST" ]
        auth=$(java -cp /usr/share/java/typesafe-config.jar "$here/JicofoAuth.java" "$R/$JICOFO")
        check "Typesafe Config: jicofo authentication not enabled (got $auth)" \
            [ "$auth" = "<unset>" -o "$auth" = false ]
        check "jicofo.conf without authentication stays byte-identical" same_as_fixture "$JICOFO"
        check "Prosody host file is not world-readable" \
            [ "$(($(stat -c '%#a' "$R/$PROSODY") & 4))" -eq 0 ]
    fi
}

hex_of() { od -An -tx1 -v "$1" | tr -d ' \n' | sed 's/../\\x&/g'; }

# leak_scan LABEL SECRET_FILE: the secret is in no output, trace, ps sample, log or debconf file;
# anywhere else in the root only the Prosody host file (and root-only files, reported) hold it.
leak_scan() {
    local label=$1 secret=$2 hex hits f allowed
    hex="$W/$label.hex"
    hex_of "$secret" >"$hex"
    hits=$(grep -lF -f "$secret" "$W"/*.out "$W/ps.samples" 2>/dev/null | tr '\n' ' ')
    check "$label: not in dpkg/debconf output nor in any ps sample" [ -z "$hits" ]
    [ -z "$hits" ] || echo "    found in: $hits"
    hits=$(grep -lF -f "$hex" "$W"/*.trace 2>/dev/null | tr '\n' ' ')
    check "$label: in no argv or environment of any program run (strace execve)" [ -z "$hits" ]
    [ -z "$hits" ] || echo "    found in: $hits"
    hits=$(grep -rlF -f "$secret" "$R/var/log" "$R/var/cache/debconf" 2>/dev/null | tr '\n' ' ')
    check "$label: not in the root's logs nor in the debconf database" [ -z "$hits" ]
    [ -z "$hits" ] || echo "    found in: $hits"
    allowed="$R/$PROSODY"
    local world=""
    while IFS= read -r f; do
        [ "$f" = "$allowed" ] && continue
        if [ "$(($(stat -c '%#a' "$f") & 4))" -ne 0 ]; then
            world="$world ${f#"$R"}"
        else
            echo "    note: root-only file holds the $label secret: ${f#"$R"}"
        fi
    done < <(grep -rlF -f "$secret" "$R" --exclude-dir=proc 2>/dev/null)
    check "$label: no world-readable file but the Prosody host file holds it" [ -z "$world" ]
    [ -z "$world" ] || echo "    world-readable:$world"
}

# --- stand-ins for the Jitsi packages, and the fixture files ---------------------------------
section "setup ($mode mode)"
make_dummy() { # NAME [init]: an empty package that satisfies the dependency (and an init script)
    local d="$W/dummy/$1"
    mkdir -p "$d/DEBIAN"
    printf 'Package: %s\nVersion: 1.0-jttest\nArchitecture: all\nMaintainer: jitsi-tokens tests <tests@localhost>\nDescription: test stand-in for %s\n' \
        "$1" "$1" >"$d/DEBIAN/control"
    if [ "${2:-}" = init ]; then
        mkdir -p "$d/etc/init.d"
        printf '#!/bin/sh\nexit 0\n' >"$d/etc/init.d/$1"
        chmod 0755 "$d/etc/init.d/$1"
    fi
    dpkg-deb --root-owner-group -b "$d" "$R/tmp/$1.deb" >/dev/null
}
make_dummy jitsi-meet-prosody
make_dummy jitsi-meet-web-config
make_dummy jicofo init
make_dummy jitsi-videobridge2 init
in_root sh -c 'dpkg -i /tmp/jitsi-meet-prosody.deb /tmp/jitsi-meet-web-config.deb /tmp/jicofo.deb /tmp/jitsi-videobridge2.deb' >/dev/null
install -d "$R/etc/prosody/conf.avail" "$R/etc/prosody/conf.d" "$R/etc/jitsi/meet" "$R/etc/jitsi/jicofo"
for f in "${FILES[@]}"; do install -m 0644 "$fixture/$f" "$R/$f"; done
ln -sfn "/$PROSODY" "$R/etc/prosody/conf.d/$HOST.cfg.lua"

cp "$deb" "$R/tmp/jitsi-tokens.deb"
if [ "$stub" = yes ]; then
    # Same package, the binary replaced by the stand-in.
    rm -rf "$W/repack"
    dpkg-deb -R "$deb" "$W/repack"
    install -m 0755 "$here/stub-jitsi-tokens" "$W/repack/usr/bin/jitsi-tokens"
    (cd "$W/repack" && find usr -type f -exec md5sum {} + >DEBIAN/md5sums)
    dpkg-deb --root-owner-group -b "$W/repack" "$R/tmp/jitsi-tokens.deb" >/dev/null
fi
check "lintian reports no error" [ "$lint_status" -eq 0 ]
check "the root has no systemd (/run/systemd/system absent): restarts go through policy-rc.d" \
    [ ! -d "$R/run/systemd/system" ]

# Secrets with every character sed-based postinsts choke on: / & \ quotes ]] $ ` and Unicode.
printf '%s' 'jtS1/&\"'"'"'`]]$HOME%s;--ü€' >"$W/s1"
printf '%s' 'jtS2&/\\]==]"`$(id)'"'"' ç' >"$W/s2"
printf '%s' 'jtS3-unused/&' >"$W/s3"
printf '%s' 'jtS4 typed at a prompt: {}[]%%~#' >"$W/s4"
chmod 0600 "$W"/s?

# --- 1. install without an app id: configure fails clearly, nothing changes ------------------
section "1. dpkg -i without an app id"
traced 1-noappid dpkg -i /tmp/jitsi-tokens.deb
st=$?
check "dpkg -i fails the configure step" [ "$st" -ne 0 ]
check "the message names the missing answer" grep -q 'jitsi-tokens/appid' "$W/1-noappid.out"
for f in "${FILES[@]}"; do check "$f untouched" same_as_fixture "$f"; done

# --- 2. answers preseeded for upstream's jitsi-meet-tokens package are honoured --------------
section "2. upstream preseed keys, dpkg --configure"
{
    printf 'jitsi-meet-tokens jitsi-meet-tokens/appid string jt-app\n'
    printf 'jitsi-meet-tokens jitsi-meet-tokens/appsecret password %s\n' "$(cat "$W/s1")"
} | preseed
r0=$(restarts | wc -l)
traced 2-configure dpkg --configure jitsi-tokens
check "dpkg --configure succeeds" [ $? -eq 0 ]
oracles_full jt-app "$W/s1" true
check "restarts requested in order prosody, jicofo, jitsi-videobridge2 (denied by policy-rc.d)" \
    [ "$(restart_order_since "$r0")" = "$RESTARTS" ]
check "conf.d link still points at conf.avail" \
    [ "$(readlink "$R/etc/prosody/conf.d/$HOST.cfg.lua")" = "/$PROSODY" ]
check "the state file exists" [ -f "$R/var/lib/jitsi-tokens/state.toml" ]
check "the applied secret is no longer in debconf's passwords.dat" \
    bash -c "! grep -qF -f '$W/s1' '$R/var/cache/debconf/passwords.dat'"

# --- 3. reinstalling the same version changes no byte ----------------------------------------
section "3. dpkg -i again (same version)"
before=$(snapshot)
r0=$(restarts | wc -l)
traced 3-reinstall dpkg -i /tmp/jitsi-tokens.deb
check "reinstall succeeds" [ $? -eq 0 ]
check "no byte, mode or link changed" [ "$(snapshot)" = "$before" ]
check "nothing restarted" [ -z "$(restart_order_since "$r0")" ]

# --- 4. dpkg-reconfigure with a new preseeded secret rotates it ------------------------------
section "4. dpkg-reconfigure with a new secret"
printf 'jitsi-tokens jitsi-tokens/appsecret password %s\n' "$(cat "$W/s2")" | preseed
r0=$(restarts | wc -l)
traced 4-rotate dpkg-reconfigure -fnoninteractive jitsi-tokens
check "dpkg-reconfigure succeeds" [ $? -eq 0 ]
oracles_full jt-app "$W/s2" true
check "the old secret is gone from the Prosody host file" \
    bash -c "! grep -qF -f '$W/s1' '$R/$PROSODY'"
check "services restarted in order after the rotation" \
    [ "$(restart_order_since "$r0")" = "$RESTARTS" ]

section "4b. dpkg-reconfigure with no new secret keeps the current one"
before=$(snapshot)
r0=$(restarts | wc -l)
traced 4b-keep dpkg-reconfigure -fnoninteractive jitsi-tokens
check "dpkg-reconfigure succeeds" [ $? -eq 0 ]
check "no byte changed (secret kept, read back with Prosody's loader)" [ "$(snapshot)" = "$before" ]
check "nothing restarted" [ -z "$(restart_order_since "$r0")" ]

section "4c. an empty hostname answer means the detected host, and rotates nothing"
printf 'jitsi-tokens jitsi-tokens/hostname string \n' | preseed
before=$(snapshot)
r0=$(restarts | wc -l)
traced 4c-empty-host dpkg-reconfigure -fnoninteractive jitsi-tokens
check "dpkg-reconfigure succeeds" [ $? -eq 0 ]
check "no byte changed" [ "$(snapshot)" = "$before" ]
check "nothing restarted" [ -z "$(restart_order_since "$r0")" ]
check "debconf holds the detected hostname again" \
    grep -qx "$HOST" < <(in_root debconf-show jitsi-tokens | sed -n 's/^[* ] jitsi-tokens\/hostname: //p')

section "4d. dpkg-reconfigure answered interactively (teletype frontend) rotates the secret"
{ printf '\njt-app\n'; cat "$W/s4"; printf '\nyes\n'; } >"$W/4d.answers"
r0=$(restarts | wc -l)
TRACED_STDIN="$W/4d.answers" TRACED_FRONTEND=teletype traced 4d-interactive dpkg-reconfigure jitsi-tokens
check "interactive dpkg-reconfigure succeeds" [ $? -eq 0 ]
check "the four questions were asked in order" bash -c "grep -o -e 'Jitsi Meet hostname:' -e 'Application ID:' \
    -e 'Application secret:' -e 'Allow guests to join without a token?' '$W/4d-interactive.out' | uniq | tr '\n' '|' |
    grep -qx 'Jitsi Meet hostname:|Application ID:|Application secret:|Allow guests to join without a token?|'"
oracles_full jt-app "$W/s4" true
check "services restarted in order after the rotation" [ "$(restart_order_since "$r0")" = "$RESTARTS" ]
rm -f "$W/4d.answers" # holds the secret on purpose; not an output

section "secret leaks (first and rotated secret)"
leak_scan S1 "$W/s1"
leak_scan S2 "$W/s2"
leak_scan S4 "$W/s4"

# --- 5. remove keeps the configuration; purge restores the original bytes --------------------
section "5. dpkg -r, then dpkg --purge"
before=$(snapshot)
traced 5-remove dpkg -r jitsi-tokens
check "dpkg -r succeeds" [ $? -eq 0 ]
check "remove keeps the token configuration (no byte changed)" [ "$(snapshot)" = "$before" ]
check "debconf answers survive remove" grep -q '^Name: jitsi-tokens/appid' "$R/var/cache/debconf/config.dat"
r0=$(restarts | wc -l)
traced 5-purge dpkg --purge jitsi-tokens
check "dpkg --purge succeeds" [ $? -eq 0 ]
for f in "${FILES[@]}"; do check "purge restores the original bytes of $f" same_as_fixture "$f"; done
check "Prosody's loader: no token settings left" oracle_prosody x /dev/null true absent
check "/var/lib/jitsi-tokens is gone" [ ! -e "$R/var/lib/jitsi-tokens" ]
check "debconf questions purged" bash -c "! grep -q '^Name: jitsi-tokens/' '$R/var/cache/debconf/config.dat'"
check "services restarted after purge" \
    [ "$(restart_order_since "$r0")" = "$RESTARTS" ]

# --- 6. generated secret; an admin edit made after install survives purge --------------------
section "6. fresh install with a generated secret, admin edits, purge"
{
    printf 'jitsi-videobridge jitsi-videobridge/jvb-hostname string %s\n' "$HOST"
    printf 'jitsi-tokens jitsi-tokens/appid string jt-app2\n'
    printf 'jitsi-tokens jitsi-tokens/allow-empty-token boolean false\n'
} | preseed
traced 6-install dpkg -i /tmp/jitsi-tokens.deb
check "dpkg -i with a generated secret succeeds" [ $? -eq 0 ]
prosody_read "$R/usr/share/jitsi-tokens/prosody-setting.lua" "$(basename "$PROSODY")" "$HOST" app_secret >"$W/s-gen"
chmod 0600 "$W/s-gen"
check "generated secret: 43 URL-safe characters (256 bits)" \
    grep -qxE '[A-Za-z0-9_-]{43}' "$W/s-gen"
oracles_full jt-app2 "$W/s-gen" false
check "the output says a secret was generated (without showing it)" grep -q 'generated' "$W/6-install.out"
leak_scan generated "$W/s-gen"
# The admin's edits: one inside the main VirtualHost, one in config.js.
admin_edit() { # ROOT_PREFIX
    sed -i 's|^    -- muc_lobby_whitelist = { "recorder.meet.example.org" } -- Here.*|    muc_lobby_whitelist = { "recorder.meet.example.org" } -- edited by the admin|' \
        "$1/$PROSODY"
    sed -i 's|^    // startAudioOnly: false,$|    startAudioOnly: true, // edited by the admin|' "$1/$CONFIGJS"
}
admin_edit "$R"
mkdir -p "$W/expected/$(dirname "$PROSODY")" "$W/expected/$(dirname "$CONFIGJS")"
cp "$fixture/$PROSODY" "$W/expected/$PROSODY"
cp "$fixture/$CONFIGJS" "$W/expected/$CONFIGJS"
admin_edit "$W/expected"
check "the admin edits applied (test sanity)" bash -c "! cmp -s '$W/expected/$PROSODY' '$fixture/$PROSODY' && ! cmp -s '$W/expected/$CONFIGJS' '$fixture/$CONFIGJS'"
traced 6-purge dpkg --purge jitsi-tokens
check "dpkg --purge (straight from installed) succeeds" [ $? -eq 0 ]
check "purge keeps the admin's edit of the Prosody host file and reverts the rest" \
    cmp "$W/expected/$PROSODY" "$R/$PROSODY"
check "purge keeps the admin's edit of config.js and reverts the rest" cmp "$W/expected/$CONFIGJS" "$R/$CONFIGJS"
check "jicofo.conf is the original" same_as_fixture "$JICOFO"

# --- 7. a failing install fails configure and changes nothing; fixing it recovers -------------
section "7. configure fails on a broken host, then recovers"
for f in "${FILES[@]}"; do install -m 0644 "$fixture/$f" "$R/$f"; done
{
    printf 'jitsi-tokens jitsi-tokens/appid string jt-app3\n'
    printf 'jitsi-tokens jitsi-tokens/appsecret password %s\n' "$(cat "$W/s3")"
} | preseed
if [ "$mode" = full ]; then
    printf 'VirtualHost "%s" = broken\n' "$HOST" >>"$R/$PROSODY" # a Lua syntax error
else
    # The stub parses nothing: point it at a host without files instead.
    printf 'jitsi-tokens jitsi-tokens/hostname string nohost.example.org\n' | preseed
fi
before=$(snapshot)
traced 7-fail dpkg -i /tmp/jitsi-tokens.deb
check "configure fails" [ $? -ne 0 ]
check "with a clear message" grep -q 'could not configure token authentication' "$W/7-fail.out"
check "no byte changed" [ "$(snapshot)" = "$before" ]
install -m 0644 "$fixture/$PROSODY" "$R/$PROSODY"
printf 'jitsi-tokens jitsi-tokens/hostname string %s\n' "$HOST" | preseed
traced 7-recover dpkg --configure -a
check "dpkg --configure -a succeeds once the host is fixed" [ $? -eq 0 ]
oracles_full jt-app3 "$W/s3" true
leak_scan S3 "$W/s3"

finish
