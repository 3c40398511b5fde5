//! JT104 `app-secret-missing`: the main VirtualHost has no app_secret (and no key server).

use super::{Context, Diagnostic, Fix, Rule, Severity, main_host, setting_rule};
use crate::jitsi::requirements::{self as req, Signing};

pub const RULE: Rule = Rule {
    code: "JT104",
    name: "app-secret-missing",
    severity: Severity::Error,
    summary: "The main VirtualHost has neither app_secret nor asap_key_server",
    fix: Fix::Install,
    doc: r#"## What it does
Checks that the main VirtualHost (or the global section) sets `app_secret` to a non-empty
string, unless it sets `asap_key_server` (RS256 tokens verified with public keys).

## Why is this bad?
HS256 tokens are verified with `app_secret`. With neither a secret nor a key server, Prosody's
token library refuses to load and nobody can log in.

## Example
```lua
VirtualHost "meet.example.org"
    authentication = "token"
    app_id = "myapp"
```

Use instead:
```lua
VirtualHost "meet.example.org"
    authentication = "token"
    app_id = "myapp"
    app_secret = "a long random string shared with whoever mints the tokens"
```

## How to fix
Set `app_secret` in the main VirtualHost to a long random string.
`jitsi-tokens install` fixes this (`--generate-secret` or `--app-secret-file`).
"#,
};

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    if let Some((cfg, blocks)) = main_host(cx)
        && matches!(req::assess_signing(cfg, blocks), Signing::KeyServer { .. })
    {
        return;
    }
    setting_rule(
        cx,
        &RULE,
        out,
        // Never the value: it is a secret.
        |block, _| format!("app_secret of {block} is empty or not a string"),
        |block, note| {
            format!(
                "{block} has neither app_secret nor asap_key_server{note}: no token can be verified"
            )
        },
        |block| {
            format!("set app_secret in {block}; `jitsi-tokens install --generate-secret` does this")
        },
    );
}
