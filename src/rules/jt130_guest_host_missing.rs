//! JT130 `guest-host-missing`: there is no guest VirtualHost.

use super::{Context, Diagnostic, FileKind, Fix, Rule, Severity, header, main_host};
use crate::jitsi::prosody::Target;

pub const RULE: Rule = Rule {
    code: "JT130",
    name: "guest-host-missing",
    severity: Severity::Error,
    summary: "There is no guest VirtualHost for users without a token",
    fix: Fix::Install,
    doc: r#"## What it does
Checks that the guest VirtualHost exists: the domain config.js names in
`hosts.anonymousdomain` when it has a VirtualHost, else `guest.HOST`.

## Why is this bad?
Token authentication lets only token holders create rooms; the guest VirtualHost is how everyone
else joins the rooms that exist. Without it, users without a token cannot join at all.

The guest domain is internal to Jitsi: it needs no DNS record, no certificate and no web server
configuration.

## Example
```lua
VirtualHost "meet.example.org"
    authentication = "token"
-- no guest VirtualHost
```

Use instead:
```lua
VirtualHost "meet.example.org"
    authentication = "token"

VirtualHost "guest.meet.example.org"
    authentication = "jitsi-anonymous"
    c2s_require_encryption = false
```

## How to fix
Add the guest VirtualHost after the main one. `jitsi-tokens install` fixes this.
"#,
};

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    let Some((cfg, blocks)) = main_host(cx) else {
        return;
    };
    if blocks.guest_exists {
        return;
    }
    let guest = &blocks.guest;
    out.push(Diagnostic::new(
        &RULE,
        FileKind::Prosody,
        header(cfg, &Target::Host(blocks.host.clone())),
        format!("no guest VirtualHost {guest:?}: users without a token cannot join any room"),
        format!(
            "add `VirtualHost {guest:?}` with authentication = \"jitsi-anonymous\" and \
             c2s_require_encryption = false; `jitsi-tokens install` does this"
        ),
    ));
}
