//! JT114 `module-listed-twice`: a module appears twice in one `modules_enabled`.

use super::{At, Context, Diagnostic, FileKind, Fix, Rule, Severity};
use crate::document::text;
use crate::jitsi::requirements as req;

pub const RULE: Rule = Rule {
    code: "JT114",
    name: "module-listed-twice",
    severity: Severity::Warning,
    summary: "A module is listed twice in the same modules_enabled",
    fix: Fix::Manual,
    doc: r#"## What it does
Warns about a module listed more than once in one `modules_enabled` table, in any block.

## Why is this bad?
Prosody loads it once, so nothing breaks today; but the repetition is usually the trace of a
merge or a copy-paste gone wrong, and removing one copy later ("disable the module") leaves it
enabled.

## Example
```lua
Component "conference.meet.example.org" "muc"
    modules_enabled = {
        "token_verification";
        "muc_wait_for_host";
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
Delete the repeated item.

`install` does not change this: it never removes items.
"#,
};

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(cfg) = cx.prosody else {
        return;
    };
    for dup in req::duplicate_modules(cfg) {
        let (line, _) = text::line_col(cfg.source(), dup.first.span.start);
        out.push(Diagnostic::new(
            &RULE,
            FileKind::Prosody,
            At::Span(dup.again.span.clone()),
            format!(
                "{:?} is listed again in this modules_enabled (first on line {line})",
                dup.module
            ),
            "delete the repeated item",
        ));
    }
}
