//! JT107 `app-secret-ignored`: app_secret and asap_key_server are both set.

use super::{At, Context, Diagnostic, FileKind, Fix, Rule, Severity, main_host};
use crate::document::text;
use crate::jitsi::requirements::{self as req, Signing};

pub const RULE: Rule = Rule {
    code: "JT107",
    name: "app-secret-ignored",
    severity: Severity::Error,
    summary: "app_secret is set but never used, because asap_key_server is set too",
    fix: Fix::Manual,
    doc: r#"## What it does
Reports a main VirtualHost that sets both `app_secret` and `asap_key_server`.

## Why is this bad?
When `asap_key_server` is set, Prosody's token library verifies every token with RS256 and a
public key fetched from that server by the token's `kid`; `app_secret` is never read. Tokens
signed with the secret (HS256) are all rejected, and whoever set the secret believes they work.

## Example
```lua
VirtualHost "meet.example.org"
    authentication = "token"
    app_id = "myapp"
    app_secret = "a long random secret"
    asap_key_server = "https://keys.example.org/"
```

Use instead, for HS256 tokens:
```lua
VirtualHost "meet.example.org"
    authentication = "token"
    app_id = "myapp"
    app_secret = "a long random secret"
```

## How to fix
Keep one way of verifying tokens: remove `asap_key_server` for HS256 tokens signed with the
secret, or remove `app_secret` for RS256 tokens with published keys.

`install` does not change this: it cannot tell which one you meant.
"#,
};

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    let Some((cfg, blocks)) = main_host(cx) else {
        return;
    };
    let Signing::KeyServer {
        key_server,
        ignored_secret: Some(secret),
    } = req::assess_signing(cfg, blocks)
    else {
        return;
    };
    let (line, _) = text::line_col(cfg.source(), key_server.statement.span.start);
    out.push(Diagnostic::new(
        &RULE,
        FileKind::Prosody,
        At::Span(secret.value.span.clone()),
        format!(
            "app_secret of {} is never used: {} (line {line}) makes Prosody verify every token \
             with RS256 public keys",
            blocks.describe(req::Block::Main),
            req::ASAP_KEY_SERVER
        ),
        "remove asap_key_server to verify HS256 tokens with the secret, or remove app_secret",
    ));
}
