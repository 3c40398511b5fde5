//! JT303 `legacy-jicofo-auth-url`: sip-communicator.properties enables jicofo's authentication.

use super::{At, Context, Diagnostic, FileKind, Fix, Rule, Severity};

/// The legacy property that turns jicofo's authentication on.
pub const KEY: &str = "org.jitsi.jicofo.auth.URL";

pub const RULE: Rule = Rule {
    code: "JT303",
    name: "legacy-jicofo-auth-url",
    severity: Severity::Error,
    summary: "sip-communicator.properties sets the legacy org.jitsi.jicofo.auth.URL",
    fix: Fix::Manual,
    doc: r#"## What it does
Reports `org.jitsi.jicofo.auth.URL` in the `sip-communicator.properties` beside jicofo.conf
(`/etc/jitsi/jicofo/` on Debian, `jicofo/` in docker-jitsi-meet).

## Why is this bad?
Before jicofo.conf existed, `org.jitsi.jicofo.auth.URL=EXT_JWT:HOST` (or `XMPP:HOST`) turned on
jicofo's own authentication, and jicofo still reads the legacy file. Old guides for token
authentication told people to add it; under today's token authentication it must be off, and
jicofo.conf alone does not show it.

## Example
```properties
org.jitsi.jicofo.auth.URL=EXT_JWT:meet.example.org
```

Use instead: delete the line (or the whole file when nothing else is in it).

## How to fix
Delete the `org.jitsi.jicofo.auth.URL` line and restart jicofo.

`install` does not change this: it does not edit the legacy file.
"#,
};

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(entry) = cx.sip.and_then(|doc| doc.get(KEY)) else {
        return;
    };
    out.push(Diagnostic::new(
        &RULE,
        FileKind::Sip,
        At::Span(entry.key_span.clone()),
        format!(
            "{KEY} = {} turns jicofo's own authentication on; token authentication needs it off",
            entry.value
        ),
        format!("delete the {KEY} line, then restart jicofo"),
    ));
}
