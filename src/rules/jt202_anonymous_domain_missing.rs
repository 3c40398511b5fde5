//! JT202 `anonymous-domain-missing`: config.js names no guest domain although guests are
//! expected.

use super::{At, Context, Diagnostic, FileKind, Fix, Rule, Severity, main_host};
use crate::jitsi::prosody::Target;
use crate::jitsi::requirements::{self as req, AnonymousState};

pub const RULE: Rule = Rule {
    code: "JT202",
    name: "anonymous-domain-missing",
    severity: Severity::Error,
    summary: "config.js sets no hosts.anonymousdomain although guests are expected",
    fix: Fix::Install,
    doc: r#"## What it does
Checks that config.js sets `hosts.anonymousdomain` when the Prosody file expects guests: the main
VirtualHost sets `allow_empty_token = true`, or a guest VirtualHost exists.

## Why is this bad?
The web client sends users without a token to the anonymous domain only when config.js names
it. Without it they are asked to log in to the token host, and the guest VirtualHost is never
used.

## Example
```js
hosts: {
    domain: 'meet.example.org',
    // anonymousdomain: 'guest.example.com',
},
```

Use instead:
```js
hosts: {
    domain: 'meet.example.org',
    anonymousdomain: 'guest.meet.example.org',
},
```

## How to fix
Set `hosts.anonymousdomain` to the guest VirtualHost (uncomment the stock line and correct it).
`jitsi-tokens install` fixes this.
"#,
};

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    let (Some(meet), Some((cfg, blocks))) = (cx.meet, main_host(cx)) else {
        return;
    };
    let AnonymousState::Missing { commented } = req::assess_anonymous_domain(meet, blocks) else {
        return;
    };
    let allow_empty = cfg
        .setting(&Target::Host(blocks.host.clone()), "allow_empty_token")
        .and_then(|s| s.value.as_bool())
        == Some(true);
    let why = match (allow_empty, blocks.guest_exists) {
        (_, true) => format!("VirtualHost {:?} exists for guests", blocks.guest),
        (true, false) => "the main VirtualHost sets allow_empty_token = true".to_string(),
        (false, false) => return,
    };
    let at = match (commented, meet.hosts_entry("domain")) {
        (Some(c), _) => At::Span(c.span.clone()),
        (None, Some(domain)) => At::Span(domain.value().span.clone()),
        (None, None) => At::LineCol(1, 1),
    };
    let note = if commented.is_some() {
        " (only a commented-out line)"
    } else {
        ""
    };
    out.push(Diagnostic::new(
        &RULE,
        FileKind::Meet,
        at,
        format!("config.js sets no hosts.anonymousdomain{note}, but {why}: users without a token are not sent there"),
        format!(
            "set hosts.anonymousdomain to '{}'; `jitsi-tokens install` does this",
            blocks.guest
        ),
    ));
}
