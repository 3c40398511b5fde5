//! JT305 `jicofo-authentication-unreadable`: jicofo cannot read its authentication switch.

use super::{Context, Diagnostic, Fix, Rule, Severity, jicofo_field};
use crate::jitsi::requirements::{self as req, JicofoState};

pub const RULE: Rule = Rule {
    code: "JT305",
    name: "jicofo-authentication-unreadable",
    severity: Severity::Error,
    summary: "jicofo.authentication.enabled is not a value Typesafe Config reads as a boolean",
    fix: Fix::Manual,
    doc: r#"## What it does
Reports a `jicofo.authentication.enabled` whose value Typesafe Config cannot read as a boolean:
anything but `true`/`false` and the strings `true`, `yes`, `on`, `false`, `no`, `off`, exactly
so (`TRUE`, `1`, `enabled`, a list...).

## Why is this bad?
jicofo reads the switch with `getBoolean` when it starts and stops with an error on such a
value: no conference can begin. Its authentication is not on, so token authentication is not
at stake, but the deployment is broken.

## Example
```hocon
jicofo.authentication.enabled = FALSE
```

Use instead:
```hocon
jicofo.authentication.enabled = false
```

## How to fix
Write `false` (token authentication needs jicofo's own authentication off).

`install` does not change this: it only turns off an authentication that is on.
"#,
};

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(doc) = cx.jicofo else {
        return;
    };
    let JicofoState::Unreadable(field) = req::assess_jicofo(doc) else {
        return;
    };
    out.push(jicofo_field(
        &RULE,
        doc,
        field,
        ", which Typesafe Config cannot read as a boolean: jicofo refuses to start",
        "",
    ));
}
