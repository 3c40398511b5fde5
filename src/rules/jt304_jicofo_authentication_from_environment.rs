//! JT304 `jicofo-authentication-from-environment`: an optional substitution may turn jicofo's
//! authentication on from the environment.

use super::{Context, Diagnostic, Fix, Rule, Severity, jicofo_field};
use crate::document::hocon;
use crate::jitsi::requirements::{self as req, JicofoState};

pub const RULE: Rule = Rule {
    code: "JT304",
    name: "jicofo-authentication-from-environment",
    severity: Severity::Warning,
    summary: "jicofo.authentication.enabled is last set by an optional substitution from the environment",
    fix: Fix::Manual,
    doc: r#"## What it does
Warns when the last assignment of `jicofo.authentication.enabled` is an optional substitution
that names nothing in the file (`${?JICOFO_ENABLE_AUTH}`).

## Why is this bad?
Typesafe Config then looks the name up in jicofo's environment when it starts: unset, the value
before it (or the default, disabled) stands; set to `true`, jicofo's own authentication is on,
which token authentication forbids. The file alone no longer says which.

## Example
```hocon
jicofo.authentication.enabled = ${?JICOFO_ENABLE_AUTH}
```

Use instead:
```hocon
jicofo.authentication.enabled = false
```

## How to fix
Write `false`, or make sure the service's environment (systemd unit, docker `.env`) never sets
the variable to true.

`install` does not change this: read without the environment, the file leaves authentication
disabled.
"#,
};

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(doc) = cx.jicofo else {
        return;
    };
    if !matches!(req::assess_jicofo(doc), JicofoState::Disabled) {
        return;
    }
    let Some(last) = doc.fields().iter().rev().find(|f| {
        f.path
            .iter()
            .map(String::as_str)
            .eq(req::JICOFO_AUTH_ENABLED.iter().copied())
    }) else {
        return;
    };
    let optional = matches!(
        last.value.kind,
        hocon::ValueKind::Substitution { optional: true, .. }
    );
    if !optional || doc.effective(req::JICOFO_AUTH_ENABLED) == Some(last) {
        return;
    }
    out.push(jicofo_field(
        &RULE,
        doc,
        last,
        ", taken from jicofo's environment when it starts; token authentication needs it false",
        ", or keep the variable out of jicofo's environment",
    ));
}
