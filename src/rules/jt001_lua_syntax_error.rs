//! JT001 `lua-syntax-error`: a Prosody host file that is not valid Lua.

use super::{Fix, Rule, Severity};

pub const RULE: Rule = Rule {
    code: "JT001",
    name: "lua-syntax-error",
    severity: Severity::Error,
    summary: "The Prosody host file is not valid Lua",
    fix: Fix::Manual,
    doc: r#"## What it does
Reports a Prosody host file (`*.cfg.lua`) that is not valid Lua 5.4, at the line and column
where the parser stopped (full_moon, a complete Lua 5.4 parser).

Everything Lua accepts is accepted: long strings (`[[...]]`, `[==[...]==]`), long comments
(`--[[ ... ]]`), `;` or `,` between table items, any layout.

## Why is this bad?
Prosody runs its configuration as a Lua program. A syntax error stops Prosody from starting, so
every host it serves goes down, not only token authentication. `jitsi-tokens install` refuses
to edit a file that does not parse.

## Example
```lua
VirtualHost "meet.example.org"
    authentication = "token"
    app_id = "myapp
```

Use instead:
```lua
VirtualHost "meet.example.org"
    authentication = "token"
    app_id = "myapp"
```

## How to fix
Correct the Lua at the position shown, then confirm with `prosodyctl check config`.

`install` does not change this: it never edits a file it cannot parse.
"#,
};
