//! JT112 `persistent-lobby-missing`: the main VirtualHost does not enable `persistent_lobby`.

use super::{Context, Diagnostic, Fix, Rule, Severity, module_rule};

pub const RULE: Rule = Rule {
    code: "JT112",
    name: "persistent-lobby-missing",
    severity: Severity::Error,
    summary: "The main VirtualHost does not enable persistent_lobby",
    fix: Fix::Install,
    doc: r#"## What it does
Checks that `"persistent_lobby"` is in the main VirtualHost's `modules_enabled` (or in the
global one).

## Why is this bad?
Under token authentication, guests join rooms a token holder created. `persistent_lobby` keeps
the room's lobby alive while the guests wait, as the handbook's setup requires; without it they
are dropped when the room empties.

## Example
```lua
VirtualHost "meet.example.org"
    modules_enabled = {
        "muc_lobby_rooms";
    }
```

Use instead:
```lua
VirtualHost "meet.example.org"
    modules_enabled = {
        "muc_lobby_rooms";
        "persistent_lobby";
    }
```

## How to fix
Add `"persistent_lobby"` to the main VirtualHost's `modules_enabled`.
`jitsi-tokens install` fixes this.
"#,
};

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    module_rule(cx, &RULE, out);
}
