//! JT203 `anonymous-domain-without-host`: config.js's anonymousdomain has no VirtualHost.

use super::{At, Context, Diagnostic, FileKind, Fix, Rule, Severity};
use crate::jitsi::prosody::Target;
use crate::jitsi::requirements as req;

pub const RULE: Rule = Rule {
    code: "JT203",
    name: "anonymous-domain-without-host",
    severity: Severity::Error,
    summary: "config.js's hosts.anonymousdomain names a domain with no VirtualHost",
    fix: Fix::Install,
    doc: r#"## What it does
Checks that the domain config.js names in `hosts.anonymousdomain` has a VirtualHost in the
Prosody file.

## Why is this bad?
Guests log in to that domain. With no VirtualHost for it, Prosody rejects them (`host-unknown`)
and nobody without a token can join. The stock comment's `guest.example.com` left in place is
the usual cause.

## Example
```js
hosts: {
    domain: 'meet.example.org',
    anonymousdomain: 'guest.example.com',
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
Name the guest VirtualHost, or add a VirtualHost for the named domain.
`jitsi-tokens install` fixes this (it points config.js at the guest VirtualHost it configures).
"#,
};

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    let (Some(meet), Some(cfg)) = (cx.meet, cx.prosody) else {
        return;
    };
    let Some(entry) = meet.hosts_entry(req::ANONYMOUS_DOMAIN) else {
        return;
    };
    let Some(anonymous) = meet.plain_str(entry.value()) else {
        return;
    };
    // The main domain named here is JT133's finding.
    if Some(anonymous) == cx.host
        || Some(anonymous) == meet.hosts_str("domain")
        || cfg.has(&Target::Host(anonymous.to_string()))
    {
        return;
    }
    let guest = cx.blocks.map(|b| b.guest.clone());
    out.push(Diagnostic::new(
        &RULE,
        FileKind::Meet,
        At::Span(entry.value().span.clone()),
        format!(
            "hosts.anonymousdomain is {anonymous:?}, but the Prosody file has no VirtualHost {anonymous:?}: guests cannot log in"
        ),
        match guest {
            Some(g) => format!(
                "set hosts.anonymousdomain to '{g}' (the guest VirtualHost); `jitsi-tokens install` does this"
            ),
            None => "name the guest VirtualHost in hosts.anonymousdomain".to_string(),
        },
    ));
}
