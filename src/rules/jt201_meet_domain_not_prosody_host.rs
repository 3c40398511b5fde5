//! JT201 `meet-domain-not-prosody-host`: config.js's hosts.domain is not the Prosody host.

use super::{At, Context, Diagnostic, FileKind, Fix, Rule, Severity};
use crate::jitsi::prosody::Target;

pub const RULE: Rule = Rule {
    code: "JT201",
    name: "meet-domain-not-prosody-host",
    severity: Severity::Error,
    summary: "config.js's hosts.domain is not the Prosody host of this config set",
    fix: Fix::Manual,
    doc: r#"## What it does
Checks that config.js sets `hosts.domain`, and that it names the main Prosody VirtualHost of the
same config set (on Debian, the `HOST` of `HOST-config.js` and `HOST.cfg.lua`).

## Why is this bad?
The web client logs in to `hosts.domain`. When that is not the VirtualHost configured for tokens,
the token settings checked in the Prosody file are not the ones users meet: logins fail, or
succeed without tokens.

## Example
`meet.example.org-config.js`:
```js
var config = {
    hosts: {
        domain: 'jitsi.example.org',
    },
};
```

Use instead:
```js
var config = {
    hosts: {
        domain: 'meet.example.org',
    },
};
```

## How to fix
Make config.js's `hosts.domain` name the Prosody VirtualHost of the host.

`install` does not change this: the domain decides which host is configured at all.
"#,
};

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    let (Some(meet), Some(cfg)) = (cx.meet, cx.prosody) else {
        return;
    };
    if !cx.whole_set {
        return;
    }
    let (at, message) = match meet.hosts_entry("domain") {
        None => (
            At::LineCol(1, 1),
            "config.js sets no hosts.domain: the web client has no XMPP domain to log in to"
                .to_string(),
        ),
        Some(entry) => {
            let Some(domain) = meet.plain_str(entry.value()) else {
                return;
            };
            let message = if Some(domain) == cx.host {
                // The host named by both: if Prosody lacks it, that is JT101's finding.
                return;
            } else if !cfg.has(&Target::Host(domain.to_string())) {
                format!(
                    "hosts.domain is {domain:?}, but the Prosody file has no VirtualHost {domain:?}"
                )
            } else {
                format!(
                    "hosts.domain is {domain:?}, but this config set's Prosody host is {:?}",
                    cx.host.unwrap_or_default()
                )
            };
            (At::Span(entry.value().span.clone()), message)
        }
    };
    out.push(Diagnostic::new(
        &RULE,
        FileKind::Meet,
        at,
        message,
        match cx.host {
            Some(host) => {
                format!("set hosts.domain to {host:?}, the VirtualHost configured for tokens")
            }
            None => "set hosts.domain to the VirtualHost configured for tokens".to_string(),
        },
    ));
}
