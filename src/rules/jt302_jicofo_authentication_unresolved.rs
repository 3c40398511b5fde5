//! JT302 `jicofo-authentication-unresolved`: whether jicofo authenticates is only known at run
//! time.

use super::{At, Context, Diagnostic, FileKind, Fix, Rule, Severity, shown};
use crate::document::hocon;
use crate::jitsi::requirements::{self as req, JicofoState};

pub const RULE: Rule = Rule {
    code: "JT302",
    name: "jicofo-authentication-unresolved",
    severity: Severity::Warning,
    summary: "jicofo.authentication.enabled is set to a value known only at run time",
    fix: Fix::Install,
    doc: r#"## What it does
Warns when `jicofo.authentication.enabled` is a substitution the file does not resolve
(`${JICOFO_ENABLE_AUTH}` or `${?JICOFO_ENABLE_AUTH}`, which Typesafe Config looks up in the
environment when jicofo starts), a concatenation, or a value Typesafe Config cannot read as a
boolean.

## Why is this bad?
Whether jicofo's own authentication is on then depends on the environment of the service (or
jicofo refuses to start, for a non-boolean). Token authentication needs it off; a configuration
that only says so at run time cannot be checked, and one changed environment variable breaks it.

## Example
```hocon
jicofo.authentication.enabled = ${?JICOFO_ENABLE_AUTH}
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
    let field = match req::assess_jicofo(doc) {
        JicofoState::Unknown(field) => field,
        JicofoState::Enabled(_) => return,
        // `${?X}` naming nothing in the file counts as unset, but the environment may set it.
        JicofoState::Disabled => match doc.fields().iter().rev().find(|f| {
            f.path
                .iter()
                .map(String::as_str)
                .eq(req::JICOFO_AUTH_ENABLED.iter().copied())
        }) {
            Some(last)
                if matches!(
                    last.value.kind,
                    hocon::ValueKind::Substitution { optional: true, .. }
                ) && doc.effective(req::JICOFO_AUTH_ENABLED) != Some(last) =>
            {
                last
            }
            _ => return,
        },
    };
    let path = req::JICOFO_AUTH_ENABLED.join(".");
    out.push(Diagnostic::new(
        &RULE,
        FileKind::Jicofo,
        At::Span(field.value.span.clone()),
        format!(
            "{path} is {}, known only when jicofo starts; token authentication needs it false",
            shown(doc.source(), &field.value.span)
        ),
        format!("write {path} = false; `jitsi-tokens install` does this"),
    ));
}
