//! JT301 `jicofo-authentication-enabled`: jicofo's own authentication is on.

use super::{Context, Diagnostic, Fix, Rule, Severity, jicofo_field};
use crate::jitsi::requirements::{self as req, JicofoState};

pub const RULE: Rule = Rule {
    code: "JT301",
    name: "jicofo-authentication-enabled",
    severity: Severity::Error,
    summary: "jicofo's own authentication is enabled",
    fix: Fix::Install,
    doc: r#"## What it does
Checks that `jicofo.authentication.enabled` is not true in jicofo.conf, however HOCON spells it:
nested blocks or dotted keys, `:` or `=`, `true` or the strings Typesafe Config reads as true
(`"true"`, `yes`, `on`), an appended second `jicofo { ... }` block (HOCON merges it), or a
substitution that resolves to one of those.

## Why is this bad?
The handbook is explicit: "The authentication must be disabled in jicofo.conf when the token
authentication is active." Outdated guides told people to enable it (`type: JWT`); jicofo then
runs its own authentication flow, which conflicts with Prosody's token checks.

## Example
```hocon
jicofo {
  authentication: {
    enabled: true
    type: JWT
    login-url: meet.example.org
  }
}
```

Use instead:
```hocon
jicofo {
  authentication: {
    enabled: false
    type: JWT
    login-url: meet.example.org
  }
}
```

## How to fix
Set `jicofo.authentication.enabled = false` (or remove the block).
`jitsi-tokens install` fixes this.
"#,
};

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(doc) = cx.jicofo else {
        return;
    };
    let JicofoState::Enabled(field) = req::assess_jicofo(doc) else {
        return;
    };
    let via = if field
        .path
        .iter()
        .map(String::as_str)
        .eq(req::JICOFO_AUTH_ENABLED.iter().copied())
    {
        String::new()
    } else {
        format!(" (through {})", field.path.join("."))
    };
    out.push(jicofo_field(
        &RULE,
        doc,
        field,
        &format!(
            "{via}: jicofo's own authentication must stay disabled under token authentication"
        ),
        "; `jitsi-tokens install` does this",
    ));
}
