//! JT204 `muc-domain-without-component`: config.js's hosts.muc names no MUC component.

use super::{At, Context, Diagnostic, FileKind, Fix, Rule, Severity};

pub const RULE: Rule = Rule {
    code: "JT204",
    name: "muc-domain-without-component",
    severity: Severity::Error,
    summary: "config.js's hosts.muc names no MUC component of the Prosody file",
    fix: Fix::Manual,
    doc: r#"## What it does
Checks that the domain config.js names in `hosts.muc`, when it is a plain string, is a
`Component "..." "muc"` of the Prosody file.

## Why is this bad?
The web client joins conference rooms on that domain. Without a MUC component there, no
conference can start, and the token checks configured on the real conference component never
run.

## Example
```js
hosts: {
    domain: 'meet.example.org',
    muc: 'conference.meet.example.com',
},
```

Use instead:
```js
hosts: {
    domain: 'meet.example.org',
    muc: 'conference.meet.example.org',
},
```

## How to fix
Make `hosts.muc` and the conference `Component` agree.

`install` does not change this: it stops with an error, since it cannot tell which name is right.
"#,
};

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    let (Some(meet), Some(_), Some(blocks)) = (cx.meet, cx.prosody, cx.blocks) else {
        return;
    };
    let (Some(named), None) = (&blocks.muc_named, &blocks.muc) else {
        return;
    };
    let Some(entry) = meet.hosts_entry("muc") else {
        return;
    };
    out.push(Diagnostic::new(
        &RULE,
        FileKind::Meet,
        At::Span(entry.value().span.clone()),
        format!("hosts.muc is {named:?}, but the Prosody file has no Component {named:?} \"muc\""),
        "make hosts.muc and the conference Component of the Prosody file agree",
    ));
}
