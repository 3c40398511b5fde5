//! JT103 `app-id-missing`: the main VirtualHost has no app_id.

use super::{Context, Diagnostic, Fix, Rule, Severity, setting_rule};

pub const RULE: Rule = Rule {
    code: "JT103",
    name: "app-id-missing",
    severity: Severity::Error,
    summary: "The main VirtualHost has no app_id, or an empty one",
    fix: Fix::Install,
    doc: r#"## What it does
Checks that the main VirtualHost (or the global section) sets `app_id` to a non-empty string.

## Why is this bad?
`app_id` is the issuer (`iss`) tokens must carry. Prosody's token library refuses to load without
it, so `mod_auth_token` provides no authentication at all and nobody can log in.

## Example
```lua
VirtualHost "meet.example.org"
    authentication = "token"
    --app_id="example_app_id"
```

Use instead:
```lua
VirtualHost "meet.example.org"
    authentication = "token"
    app_id = "myapp"
```

## How to fix
Set `app_id` in the main VirtualHost to the issuer of your tokens.
`jitsi-tokens install` fixes this (`--app-id ID`).
"#,
};

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    setting_rule(
        cx,
        &RULE,
        out,
        |block, value| format!("app_id of {block} is {value}, not a non-empty string"),
        |block, note| {
            format!(
                "{block} has no app_id{note}: Prosody's token modules refuse to load without one"
            )
        },
        |block| {
            format!(
                "set `app_id = \"ISSUER\"` in {block}; `jitsi-tokens install --app-id ISSUER` does this"
            )
        },
    );
}
