//! JT002 `javascript-syntax-error`: a config.js that is not valid JavaScript.

use super::{Fix, Rule, Severity};

pub const RULE: Rule = Rule {
    code: "JT002",
    name: "javascript-syntax-error",
    severity: Severity::Error,
    summary: "config.js is not valid JavaScript",
    fix: Fix::Manual,
    doc: r#"## What it does
Reports a Jitsi Meet `config.js` that is not a valid classic script, at the line and column
where the parser stopped (oxc, a spec-complete JavaScript parser).

nginx server-side include directives (`<!--# echo var="subdir" default="" -->`), which
docker-jitsi-meet's config.js contains, are read as what nginx serves in their place, so a file
with them is not reported.

## Why is this bad?
The browser loads config.js before the meeting starts; when it does not parse, `config` is
undefined and the web client cannot connect at all.

## Example
```js
var config = {
    hosts: {
        domain: 'meet.example.org'
        anonymousdomain: 'guest.meet.example.org',
    },
};
```

Use instead:
```js
var config = {
    hosts: {
        domain: 'meet.example.org',
        anonymousdomain: 'guest.meet.example.org',
    },
};
```

## How to fix
Correct the JavaScript at the position shown (often a missing comma), then confirm with
`node --check`.

`install` does not change this: it never edits a file it cannot parse.
"#,
};
