//! JT401 `secret-file-world-readable`: every local user can read the app secret.

use super::{At, Context, Diagnostic, FileKind, Fix, Rule, Severity};

pub const RULE: Rule = Rule {
    code: "JT401",
    name: "secret-file-world-readable",
    severity: Severity::Error,
    summary: "The Prosody file holding app_secret is world-readable",
    fix: Fix::Install,
    doc: r#"## What it does
On a live root (no PATH given), checks the permissions of the Prosody host file when it sets
`app_secret`: other users must have no read permission (mode `o-r`).

## Why is this bad?
Whoever reads the secret can mint tokens Prosody accepts, moderator rights included. A
world-readable file gives it to every local account and every compromised service on the
machine. Prosody only needs its group (`prosody`) to read it.

## Example
```console
$ ls -l /etc/prosody/conf.avail/meet.example.org.cfg.lua
-rw-r--r-- 1 root root 5769 meet.example.org.cfg.lua
```

Use instead:
```console
-rw-r----- 1 root prosody 5769 meet.example.org.cfg.lua
```

## How to fix
`chgrp prosody FILE && chmod 0640 FILE`. `jitsi-tokens install` fixes this (it tightens the
file to 0640 whenever it runs).
"#,
};

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    let (Some(live), Some(cfg)) = (cx.live, cx.prosody) else {
        return;
    };
    let Some(meta) = live.prosody_meta.filter(|m| m.world_readable()) else {
        return;
    };
    let Some(secret) = cfg
        .doc
        .statements()
        .iter()
        .find_map(|s| s.assigned().filter(|(name, _)| *name == "app_secret"))
        .map(|(_, value)| value)
    else {
        return;
    };
    out.push(Diagnostic::new(
        &RULE,
        FileKind::Prosody,
        At::Span(secret.span.clone()),
        format!(
            "this file holds app_secret and has mode {:04o}: every local user can read the secret",
            meta.mode
        ),
        "chgrp prosody FILE && chmod 0640 FILE; `jitsi-tokens install` does this",
    ));
}
