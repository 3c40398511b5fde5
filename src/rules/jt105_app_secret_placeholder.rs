//! JT105 `app-secret-placeholder`: app_secret is a value from a template or guide.

use super::{At, Context, Diagnostic, FileKind, Fix, Rule, Severity, inherited, main_host};
use crate::jitsi::requirements::{self as req, SecretQuality, Signing};

pub const RULE: Rule = Rule {
    code: "JT105",
    name: "app-secret-placeholder",
    severity: Severity::Error,
    summary: "app_secret is a placeholder from a template or guide",
    fix: Fix::Install,
    doc: r#"## What it does
Checks that `app_secret` is not one of the example values templates and guides ship, such as
`example_app_secret` (the commented line of the Debian template) or `myappsecret` (the
handbook's example).

## Why is this bad?
Whoever knows the secret can mint tokens that Prosody accepts: with a published value, anyone on
the internet can create rooms as any user, moderator rights included.

## Example
```lua
VirtualHost "meet.example.org"
    authentication = "token"
    app_id = "myappid"
    app_secret = "myappsecret"
```

Use instead:
```lua
VirtualHost "meet.example.org"
    authentication = "token"
    app_id = "myappid"
    app_secret = "Vb3JrZ1p0aG9uX2lzX25vdF9hX3NlY3JldA-a-real-random-one"
```

## How to fix
Replace it with a long random secret and give that to whoever mints the tokens.
`jitsi-tokens install` fixes this (`--generate-secret`; it never keeps a placeholder).
"#,
};

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    let Some((cfg, blocks)) = main_host(cx) else {
        return;
    };
    let Signing::Secret(secret, SecretQuality::Placeholder) = req::assess_signing(cfg, blocks)
    else {
        return;
    };
    out.push(Diagnostic::new(
        &RULE,
        FileKind::Prosody,
        At::Span(secret.value.span.clone()),
        format!(
            "app_secret of {} is a published placeholder{}: anyone can mint tokens this host accepts",
            blocks.describe(req::Block::Main),
            inherited(&secret)
        ),
        "set a long random secret; `jitsi-tokens install --generate-secret` does this",
    ));
}
