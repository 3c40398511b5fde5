//! JT133 `guest-domain-is-main-domain`: config.js's anonymousdomain is the main domain.

use super::{At, Context, Diagnostic, FileKind, Fix, Rule, Severity};
use crate::jitsi::requirements as req;

pub const RULE: Rule = Rule {
    code: "JT133",
    name: "guest-domain-is-main-domain",
    severity: Severity::Error,
    summary: "config.js's hosts.anonymousdomain names the main domain",
    fix: Fix::Install,
    doc: r#"## What it does
Reports a config.js whose `hosts.anonymousdomain` equals `hosts.domain` (or the main Prosody
host).

## Why is this bad?
The web client logs guests in to the anonymous domain. When that is the token-authenticated main
domain, guests are asked for a token they do not have, and the guest VirtualHost is never used.

## Example
```js
hosts: {
    domain: 'meet.example.org',
    anonymousdomain: 'meet.example.org',
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
Name the guest VirtualHost, `guest.HOST` by convention. `jitsi-tokens install` fixes this.
"#,
};

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(meet) = cx.meet else {
        return;
    };
    let Some(entry) = meet.hosts_entry(req::ANONYMOUS_DOMAIN) else {
        return;
    };
    let Some(anonymous) = meet.plain_str(entry.value()) else {
        return;
    };
    let domain = meet.hosts_str("domain");
    if Some(anonymous) != cx.host && Some(anonymous) != domain {
        return;
    }
    let main = cx.host.or(domain).unwrap_or(anonymous);
    out.push(Diagnostic::new(
        &RULE,
        FileKind::Meet,
        At::Span(entry.value().span.clone()),
        format!(
            "hosts.anonymousdomain is the main domain {anonymous:?}: guests would be asked for a token"
        ),
        format!(
            "set hosts.anonymousdomain to the guest VirtualHost, such as '{}{main}'; \
             `jitsi-tokens install` does this",
            req::GUEST_PREFIX
        ),
    ));
}
