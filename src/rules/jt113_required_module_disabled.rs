//! JT113 `required-module-disabled`: a module token authentication needs is in
//! `modules_disabled`.

use super::{At, Context, Diagnostic, FileKind, Fix, Rule, Severity};
use crate::jitsi::requirements::{self as req, ModuleState};

pub const RULE: Rule = Rule {
    code: "JT113",
    name: "required-module-disabled",
    severity: Severity::Error,
    summary: "A module token authentication needs is listed in modules_disabled",
    fix: Fix::Manual,
    doc: r#"## What it does
Reports `muc_lobby_rooms`, `persistent_lobby` (main VirtualHost), `token_verification` or
`muc_wait_for_host` (conference MUC component) listed in the block's `modules_disabled`.

## Why is this bad?
`modules_disabled` wins over `modules_enabled`: Prosody does not load the module, whatever else
the file says.

## Example
```lua
Component "conference.meet.example.org" "muc"
    modules_enabled = { "token_verification"; "muc_wait_for_host" }
    modules_disabled = { "token_verification" }
```

Use instead:
```lua
Component "conference.meet.example.org" "muc"
    modules_enabled = { "token_verification"; "muc_wait_for_host" }
```

## How to fix
Remove the module from `modules_disabled`.

`install` does not change this: it stops with an error, since someone disabled the module on
purpose.
"#,
};

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    let (Some(cfg), Some(blocks)) = (cx.prosody, cx.blocks) else {
        return;
    };
    for requirement in req::MODULES {
        let ModuleState::Disabled(setting) = req::assess_module(cfg, blocks, requirement) else {
            continue;
        };
        let item = setting.value.as_table().and_then(|t| {
            t.strings()
                .filter(|(_, s)| s.eq_str(requirement.module))
                .map(|(item, _)| item.span.clone())
                .last()
        });
        let block = blocks.describe(requirement.block);
        out.push(Diagnostic::new(
            &RULE,
            FileKind::Prosody,
            At::Span(item.unwrap_or_else(|| setting.value.span.clone())),
            format!(
                "modules_disabled of {block} lists {:?}, which token authentication needs",
                requirement.module
            ),
            format!(
                "remove {:?} from modules_disabled of {block}",
                requirement.module
            ),
        ));
    }
}
