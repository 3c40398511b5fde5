//! JT102 `authentication-not-token`: the main VirtualHost does not authenticate with tokens.

use super::{Context, Diagnostic, Fix, Rule, Severity, setting_rule};

pub const RULE: Rule = Rule {
    code: "JT102",
    name: "authentication-not-token",
    severity: Severity::Error,
    summary: "The main VirtualHost does not authenticate with tokens",
    fix: Fix::Install,
    doc: r#"## What it does
Checks that the main VirtualHost sets `authentication = "token"`, either itself or through the
global section it inherits from.

## Why is this bad?
With `"jitsi-anonymous"` (the Debian default) anyone can create rooms; with `"internal_hashed"`
users need Prosody accounts. Tokens are only asked for with `"token"`, which loads
`mod_auth_token`.

## Example
```lua
VirtualHost "meet.example.org"
    authentication = "jitsi-anonymous" -- do not delete me
```

Use instead:
```lua
VirtualHost "meet.example.org"
    authentication = "token" -- do not delete me
```

## How to fix
Set `authentication = "token"` in the main VirtualHost. `jitsi-tokens install` fixes this.
"#,
};

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    setting_rule(
        cx,
        &RULE,
        out,
        |block, value| format!("{block} authenticates with {value}, not \"token\""),
        |block, note| {
            format!(
                "{block} sets no authentication{note}, so Prosody's default (\"internal_plain\") \
                 applies, not \"token\""
            )
        },
        |block| {
            format!("set `authentication = \"token\"` in {block}; `jitsi-tokens install` does this")
        },
    );
}
