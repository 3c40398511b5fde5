//! JT115 `module-in-wrong-block`: a required module is listed in a block where it does nothing.

use super::{At, Context, Diagnostic, FileKind, Fix, Rule, Severity};
use crate::jitsi::prosody::Target;
use crate::jitsi::requirements as req;

pub const RULE: Rule = Rule {
    code: "JT115",
    name: "module-in-wrong-block",
    severity: Severity::Warning,
    summary: "A module token authentication needs is enabled in a block where it does nothing",
    fix: Fix::Manual,
    doc: r#"## What it does
Warns about `token_verification` or `muc_wait_for_host` enabled on a VirtualHost or in the
global section, and about `muc_lobby_rooms` or `persistent_lobby` enabled on the conference MUC
component.

## Why is this bad?
`token_verification` and `muc_wait_for_host` act on MUC rooms: Prosody loads them only where
they are listed, and a VirtualHost has no rooms. The lobby modules belong to the VirtualHost
clients log in to. In the wrong block the module does nothing, while the file looks configured.
The block where the module is needed is reported separately (JT111, JT112, JT121, JT122).

## Example
```lua
VirtualHost "meet.example.org"
    modules_enabled = { "muc_lobby_rooms"; "token_verification" }

Component "conference.meet.example.org" "muc"
    modules_enabled = { "muc_wait_for_host" }
```

Use instead:
```lua
VirtualHost "meet.example.org"
    modules_enabled = { "muc_lobby_rooms" }

Component "conference.meet.example.org" "muc"
    modules_enabled = { "muc_wait_for_host"; "token_verification" }
```

## How to fix
Move the module to the block it belongs to.

`install` does not change this: it adds the module where it belongs but never removes items.
"#,
};

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    let (Some(cfg), Some(blocks)) = (cx.prosody, cx.blocks) else {
        return;
    };
    for m in req::misplaced_modules(cfg, blocks) {
        let found_in = match &m.found_in {
            Target::Global => "the global section".to_string(),
            Target::Host(h) => format!("VirtualHost {h:?}"),
            Target::Component(c) => format!("Component {c:?}"),
        };
        let belongs = blocks.describe(m.rule.block);
        out.push(Diagnostic::new(
            &RULE,
            FileKind::Prosody,
            At::Span(m.item.span.clone()),
            format!(
                "{:?} is enabled in {found_in}, where it does nothing; it belongs in {belongs}",
                m.rule.module
            ),
            format!("move {:?} to modules_enabled of {belongs}", m.rule.module),
        ));
    }
}
