//! JT111 `lobby-module-missing`: the main VirtualHost does not enable `muc_lobby_rooms`.

use super::{Context, Diagnostic, Fix, Rule, Severity, module_rule};

pub const RULE: Rule = Rule {
    code: "JT111",
    name: "lobby-module-missing",
    severity: Severity::Error,
    summary: "The main VirtualHost does not enable muc_lobby_rooms",
    fix: Fix::Install,
    doc: r#"## What it does
Checks that `"muc_lobby_rooms"` is in the main VirtualHost's `modules_enabled` (or in the global
one, which VirtualHosts load too).

## Why is this bad?
The handbook's token setup keeps lobbies working for token-authenticated rooms; without the
module a moderator cannot enable the lobby, and `persistent_lobby` has nothing to keep.

## Example
```lua
VirtualHost "meet.example.org"
    modules_enabled = {
        "bosh";
        "ping";
    }
```

Use instead:
```lua
VirtualHost "meet.example.org"
    modules_enabled = {
        "bosh";
        "ping";
        "muc_lobby_rooms";
    }
```

## How to fix
Add `"muc_lobby_rooms"` to the main VirtualHost's `modules_enabled`.
`jitsi-tokens install` fixes this.
"#,
};

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    module_rule(cx, &RULE, out);
}
