//! JT106 `app-secret-short`: app_secret is short enough to guess.

use super::{At, Context, Diagnostic, FileKind, Fix, Rule, Severity, inherited, main_host};
use crate::jitsi::requirements::{self as req, SecretQuality, Signing};

pub const RULE: Rule = Rule {
    code: "JT106",
    name: "app-secret-short",
    severity: Severity::Warning,
    summary: "app_secret is shorter than 32 characters",
    fix: Fix::Install,
    doc: r#"## What it does
Warns when `app_secret` has fewer than 32 characters.

## Why is this bad?
Every token signed with the secret is an offline guessing oracle: anyone holding one token (a
meeting link with `?jwt=...`) can try candidate secrets at billions per second on a GPU, and a
short or human-chosen secret falls. With the secret they can mint any token.

## Example
```lua
VirtualHost "meet.example.org"
    app_secret = "hunter2"
```

Use instead:
```lua
VirtualHost "meet.example.org"
    app_secret = "cVJ6b1RhU0t0d1JuTWZ4cGhxY0x5dGVrWlZ3b0pNbGU"
```

## How to fix
Use at least 32 random characters (256 random bits is better).
`jitsi-tokens install` fixes this (`--generate-secret` writes 256 random bits).
"#,
};

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    let Some((cfg, blocks)) = main_host(cx) else {
        return;
    };
    let Signing::Secret(secret, SecretQuality::Short(chars)) = req::assess_signing(cfg, blocks)
    else {
        return;
    };
    out.push(Diagnostic::new(
        &RULE,
        FileKind::Prosody,
        At::Span(secret.value.span.clone()),
        format!(
            "app_secret of {} has {chars} characters{}; fewer than {} can be guessed offline from any token",
            blocks.describe(req::Block::Main),
            inherited(&secret),
            req::MIN_SECRET_CHARS
        ),
        "use at least 32 random characters; `jitsi-tokens install --generate-secret` writes one",
    ));
}
