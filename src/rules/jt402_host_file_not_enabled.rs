//! JT402 `host-file-not-enabled`: Prosody does not load the checked host file.

use super::{At, Context, Diagnostic, Enabled, FileKind, Fix, Rule, Severity};

pub const RULE: Rule = Rule {
    code: "JT402",
    name: "host-file-not-enabled",
    severity: Severity::Error,
    summary: "The conf.d link to the Prosody host file in conf.avail is missing",
    fix: Fix::Manual,
    doc: r#"## What it does
On a live root (no PATH given), checks that `/etc/prosody/conf.d/HOST.cfg.lua` is a link to
`/etc/prosody/conf.avail/HOST.cfg.lua`, as the Debian package creates it.

## Why is this bad?
Prosody's main configuration includes `conf.d/*.cfg.lua` only. Without the link, the host file
that was checked (and edited by `install`) is never loaded: the domain does not exist for
Prosody, or an old copy in conf.d is used instead.

## Example
```console
$ ls -l /etc/prosody/conf.d/
-rw-r----- 1 root prosody 5100 meet.example.org.cfg.lua
```

Use instead:
```console
lrwxrwxrwx 1 root root 46 meet.example.org.cfg.lua -> /etc/prosody/conf.avail/meet.example.org.cfg.lua
```

## How to fix
`ln -sf /etc/prosody/conf.avail/HOST.cfg.lua /etc/prosody/conf.d/HOST.cfg.lua` (after saving
anything a copy in conf.d holds), then restart prosody.

`install` does not change this: it edits the file in conf.avail and leaves links alone.
"#,
};

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    let (Some(live), Some(_)) = (cx.live, cx.prosody) else {
        return;
    };
    let link = &live.enabled_path;
    let message = match &live.enabled {
        Enabled::Linked => return,
        Enabled::Missing => format!("{link} is missing, so Prosody never loads this file"),
        Enabled::ElsewhereLink(to) => {
            format!("{link} links to {to}, not to this file, so Prosody never loads this file")
        }
        Enabled::Copy => {
            format!("{link} is a separate copy, so Prosody loads that copy, not this file")
        }
    };
    out.push(Diagnostic::new(
        &RULE,
        FileKind::Prosody,
        At::LineCol(1, 1),
        message,
        format!("ln -sf THIS_FILE {link}, then restart prosody"),
    ));
}
