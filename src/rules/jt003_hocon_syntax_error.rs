//! JT003 `hocon-syntax-error`: a jicofo.conf that is not valid HOCON.

use super::{Fix, Rule, Severity};

pub const RULE: Rule = Rule {
    code: "JT003",
    name: "hocon-syntax-error",
    severity: Severity::Error,
    summary: "jicofo.conf is not valid HOCON",
    fix: Fix::Manual,
    doc: r#"## What it does
Reports a `jicofo.conf` that Typesafe Config, the HOCON library jicofo reads it with, would
refuse, at the line and column of the problem.

Everything HOCON allows is accepted: substitutions (`${VAR}`, `${?VAR}`), `include` statements,
triple-quoted strings, `+=`, unquoted strings, `=` or `:` or nothing before an object, comments
with `#` or `//`.

## Why is this bad?
jicofo does not start with a configuration it cannot parse, and without jicofo no conference
can begin.

## Example
```hocon
jicofo {
  authentication {
    enabled = false
}
```

Use instead:
```hocon
jicofo {
  authentication {
    enabled = false
  }
}
```

## How to fix
Correct the HOCON at the position shown (often an unbalanced brace or quote).

`install` does not change this: it never edits a file it cannot parse.
"#,
};
