//! JT302 `jicofo-authentication-unresolved`: whether jicofo authenticates is only known at run
//! time.

use super::{Context, Diagnostic, Fix, Rule, Severity, jicofo_field};
use crate::jitsi::requirements::{self as req, JicofoState};

pub const RULE: Rule = Rule {
    code: "JT302",
    name: "jicofo-authentication-unresolved",
    severity: Severity::Warning,
    summary: "jicofo.authentication.enabled is set to a value known only at run time",
    fix: Fix::Install,
    doc: r#"## What it does
Warns when `jicofo.authentication.enabled` is a required substitution the file does not
resolve (`${JICOFO_ENABLE_AUTH}`, which Typesafe Config looks up in the environment when jicofo
starts), or a concatenation holding one. (An optional `${?X}` is JT304's; a value that is no
boolean at all, JT305's.)

## Why is this bad?
Whether jicofo's own authentication is on then depends on the environment of the service.
Token authentication needs it off; a configuration that only says so at run time cannot be
checked, and one changed environment variable breaks it.

## Example
```hocon
jicofo.authentication.enabled = ${JICOFO_ENABLE_AUTH}
```

Use instead:
```hocon
jicofo.authentication.enabled = false
```

## How to fix
Write `false` where the value is set. `jitsi-tokens install` fixes this.
"#,
};

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(doc) = cx.jicofo else {
        return;
    };
    let JicofoState::Unknown(field) = req::assess_jicofo(doc) else {
        return;
    };
    out.push(jicofo_field(
        &RULE,
        doc,
        field,
        ", known only when jicofo starts; token authentication needs it false",
        "; `jitsi-tokens install` does this",
    ));
}
