//! JT120 `muc-component-missing`: there is no conference MUC component.

use super::{Context, Diagnostic, FileKind, Fix, Rule, Severity, header, main_host};
use crate::jitsi::prosody::Target;
use crate::jitsi::requirements as req;

pub const RULE: Rule = Rule {
    code: "JT120",
    name: "muc-component-missing",
    severity: Severity::Error,
    summary: "The Prosody file has no conference MUC component",
    fix: Fix::Manual,
    doc: r#"## What it does
Checks that the conference MUC component exists: `Component "conference.HOST" "muc"` on Debian,
`Component "muc.HOST" "muc"` in docker-jitsi-meet, or whatever config.js names in `hosts.muc`
(JT204 reports a name that config.js gives and Prosody lacks).

## Why is this bad?
Conferences are MUC rooms. The MUC component is where `token_verification` checks that a
token grants the room, and where `muc_wait_for_host` keeps guests out until a token holder
arrives. Without it no conference can start.

## Example
```lua
VirtualHost "meet.example.org"
    authentication = "token"
-- no Component "conference.meet.example.org" "muc"
```

Use instead:
```lua
Component "conference.meet.example.org" "muc"
    modules_enabled = { "token_verification"; "muc_wait_for_host" }
```

## How to fix
Restore the conference component from the package's template, or name the existing one in
config.js's `hosts.muc`.

`install` does not change this: it refuses to invent a component.
"#,
};

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    let Some((cfg, blocks)) = main_host(cx) else {
        return;
    };
    if blocks.muc.is_some() || blocks.muc_named.is_some() {
        return;
    }
    let host = &blocks.host;
    let [first, second] = [req::MUC_PREFIXES[0], req::MUC_PREFIXES[1]];
    out.push(Diagnostic::new(
        &RULE,
        FileKind::Prosody,
        header(cfg, &Target::Host(host.clone())),
        format!(
            "no conference MUC component: neither Component \"{first}{host}\" \"muc\" nor \
             Component \"{second}{host}\" \"muc\", and config.js names none in hosts.muc"
        ),
        format!("add `Component \"{first}{host}\" \"muc\"` as the package's template has it"),
    ));
}
