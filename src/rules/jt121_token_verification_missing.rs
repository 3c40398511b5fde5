//! JT121 `token-verification-missing`: the MUC component does not enable `token_verification`.

use super::{Context, Diagnostic, Fix, Rule, Severity, module_rule};

pub const RULE: Rule = Rule {
    code: "JT121",
    name: "token-verification-missing",
    severity: Severity::Error,
    summary: "The conference MUC component does not enable token_verification",
    fix: Fix::Install,
    doc: r#"## What it does
Checks that `"token_verification"` is in the conference MUC component's `modules_enabled`.
A component loads only its own modules: the global `modules_enabled` does not count.

## Why is this bad?
`mod_auth_token` on the VirtualHost only checks that a token is valid; `token_verification`
checks that it grants the room being created or joined. Without it any valid token opens any
room, and with `allow_empty_token` anyone creates rooms.

## Example
```lua
Component "conference.meet.example.org" "muc"
    modules_enabled = {
        "muc_meeting_id";
        --"token_verification";
    }
```

Use instead:
```lua
Component "conference.meet.example.org" "muc"
    modules_enabled = {
        "muc_meeting_id";
        "token_verification";
    }
```

## How to fix
Add `"token_verification"` to the MUC component's `modules_enabled` (uncomment the stock line).
`jitsi-tokens install` fixes this.
"#,
};

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    module_rule(cx, &RULE, out);
}
