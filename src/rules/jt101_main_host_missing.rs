//! JT101 `main-host-missing`: the Prosody file has no VirtualHost for the Jitsi domain.

use super::{At, Context, Diagnostic, FileKind, Fix, Rule, Severity};
use crate::jitsi::prosody::Target;

pub const RULE: Rule = Rule {
    code: "JT101",
    name: "main-host-missing",
    severity: Severity::Error,
    summary: "The Prosody file has no VirtualHost for the Jitsi Meet domain",
    fix: Fix::Manual,
    doc: r#"## What it does
Checks that the Prosody host file declares `VirtualHost "HOST"` for the Jitsi Meet domain: the
name in the file name on Debian (`conf.avail/HOST.cfg.lua`), config.js's `hosts.domain` in a
docker-jitsi-meet layout, or `--hostname`.

## Why is this bad?
Token authentication is configured in that VirtualHost (`authentication`, `app_id`,
`app_secret`). Without it the clients of the domain have no XMPP host at all, or the file is not
the one serving the domain.

## Example
A file `conf.avail/meet.example.org.cfg.lua` containing only:
```lua
VirtualHost "jitsi.example.org"
    authentication = "token"
```

Use instead:
```lua
VirtualHost "meet.example.org"
    authentication = "token"
```

## How to fix
Make the file name, config.js's `hosts.domain` and the VirtualHost agree, or pass `--hostname`.

`install` does not change this: it refuses to invent a host.
"#,
};

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(cfg) = cx.prosody else {
        return;
    };
    let found = cfg.virtual_hosts();
    let list = if found.is_empty() {
        "none".to_string()
    } else {
        found.join(", ")
    };
    let message = match cx.host {
        Some(host) if cfg.has(&Target::Host(host.to_string())) => return,
        Some(host) => format!("no VirtualHost {host:?} in this file (VirtualHosts found: {list})"),
        None if cx.whole_set => {
            format!(
                "no VirtualHost with a conference MUC component in this file (VirtualHosts found: {list})"
            )
        }
        None => return,
    };
    out.push(Diagnostic::new(
        &RULE,
        FileKind::Prosody,
        At::LineCol(1, 1),
        message,
        "declare the Jitsi Meet domain with `VirtualHost \"HOST\"`, or check the file name, \
         config.js hosts.domain and --hostname",
    ));
}
