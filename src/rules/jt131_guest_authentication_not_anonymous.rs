//! JT131 `guest-authentication-not-anonymous`: the guest VirtualHost is not anonymous.

use super::{Context, Diagnostic, Fix, Rule, Severity, setting_rule};

pub const RULE: Rule = Rule {
    code: "JT131",
    name: "guest-authentication-not-anonymous",
    severity: Severity::Error,
    summary: "The guest VirtualHost does not authenticate with jitsi-anonymous",
    fix: Fix::Install,
    doc: r#"## What it does
Checks that the guest VirtualHost sets `authentication = "jitsi-anonymous"`, itself or through
the global section.

## Why is this bad?
Guests have no account and no token. With `"token"` or `"internal_hashed"` on the guest host
they cannot log in; with nothing set they inherit Prosody's default, which asks for a password.
`"jitsi-anonymous"` is Jitsi's anonymous login, which also lets a reconnecting guest keep its
identity.

## Example
```lua
VirtualHost "guest.meet.example.org"
    authentication = "token"
```

Use instead:
```lua
VirtualHost "guest.meet.example.org"
    authentication = "jitsi-anonymous"
    c2s_require_encryption = false
```

## How to fix
Set `authentication = "jitsi-anonymous"` in the guest VirtualHost.
`jitsi-tokens install` fixes this.
"#,
};

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    setting_rule(
        cx,
        &RULE,
        out,
        |block, value| format!("{block} authenticates with {value}, not \"jitsi-anonymous\""),
        |block, note| {
            format!(
                "{block} sets no authentication{note}, so Prosody's default (\"internal_plain\") \
                 applies and guests cannot log in"
            )
        },
        |block| {
            format!(
                "set `authentication = \"jitsi-anonymous\"` in {block}; `jitsi-tokens install` does this"
            )
        },
    );
}
