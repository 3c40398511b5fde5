//! JT122 `wait-for-host-missing`: the MUC component does not enable `muc_wait_for_host`.

use super::{Context, Diagnostic, Fix, Rule, Severity, module_rule};

pub const RULE: Rule = Rule {
    code: "JT122",
    name: "wait-for-host-missing",
    severity: Severity::Error,
    summary: "The conference MUC component does not enable muc_wait_for_host",
    fix: Fix::Install,
    doc: r#"## What it does
Checks that `"muc_wait_for_host"` is in the conference MUC component's `modules_enabled`.

## Why is this bad?
The point of the setup is that only token holders create rooms and guests join rooms that
exist. `muc_wait_for_host` makes a guest who arrives first wait for a token holder; without it
the first guest creates the room.

## Example
```lua
Component "conference.meet.example.org" "muc"
    modules_enabled = {
        "token_verification";
    }
```

Use instead:
```lua
Component "conference.meet.example.org" "muc"
    modules_enabled = {
        "token_verification";
        "muc_wait_for_host";
    }
```

## How to fix
Add `"muc_wait_for_host"` to the MUC component's `modules_enabled`.
`jitsi-tokens install` fixes this.
"#,
};

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    module_rule(cx, &RULE, out);
}
