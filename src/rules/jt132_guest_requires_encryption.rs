//! JT132 `guest-requires-encryption`: the guest VirtualHost requires c2s encryption.

use super::{Context, Diagnostic, Fix, Rule, Severity, setting_rule};

pub const RULE: Rule = Rule {
    code: "JT132",
    name: "guest-requires-encryption",
    severity: Severity::Error,
    summary: "The guest VirtualHost does not set c2s_require_encryption = false",
    fix: Fix::Install,
    doc: r#"## What it does
Checks that the guest VirtualHost sets `c2s_require_encryption = false`, itself or through the
global section (Prosody's default is `true`).

## Why is this bad?
Jitsi's web clients reach Prosody through the web server's BOSH or WebSocket proxy, which
already carries TLS; the proxied connection to Prosody is not itself encrypted. With encryption
required, Prosody refuses the guests' sessions and guests cannot join.

## Example
```lua
VirtualHost "guest.meet.example.org"
    authentication = "jitsi-anonymous"
```

Use instead:
```lua
VirtualHost "guest.meet.example.org"
    authentication = "jitsi-anonymous"
    c2s_require_encryption = false
```

## How to fix
Set `c2s_require_encryption = false` in the guest VirtualHost.
`jitsi-tokens install` fixes this.
"#,
};

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    setting_rule(
        cx,
        &RULE,
        out,
        |block, value| format!("{block} sets c2s_require_encryption = {value}, not false"),
        |block, note| {
            format!(
                "{block} does not set c2s_require_encryption{note}, so Prosody's default (true) \
                 applies and guests cannot connect"
            )
        },
        |block| {
            format!(
                "set `c2s_require_encryption = false` in {block}; `jitsi-tokens install` does this"
            )
        },
    );
}
