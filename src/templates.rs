//! Every block of text jitsi-tokens writes comes from a tera template in `templates/`, embedded
//! in the binary: the option lines, the guest VirtualHost, the config.js property or statement,
//! and the stock files of the demo.
//!
//! Templates are written with `\n`; [`render`] converts line breaks to the target file's own.

use std::sync::OnceLock;

use tera::{Context, Tera};

const TEMPLATES: &[(&str, &str)] = &[
    (
        "prosody/setting.lua",
        include_str!("../templates/prosody/setting.lua"),
    ),
    (
        "prosody/guest-host.lua",
        include_str!("../templates/prosody/guest-host.lua"),
    ),
    (
        "prosody/modules-enabled.lua",
        include_str!("../templates/prosody/modules-enabled.lua"),
    ),
    (
        "meet/hosts-property.js",
        include_str!("../templates/meet/hosts-property.js"),
    ),
    (
        "meet/hosts-statement.js",
        include_str!("../templates/meet/hosts-statement.js"),
    ),
    (
        "jicofo/authentication-disabled.conf",
        include_str!("../templates/jicofo/authentication-disabled.conf"),
    ),
    (
        "jicofo/authentication-override.conf",
        include_str!("../templates/jicofo/authentication-override.conf"),
    ),
    (
        "demo/prosody-host.cfg.lua",
        include_str!("../templates/demo/prosody-host.cfg.lua"),
    ),
    (
        "demo/config.js",
        include_str!("../templates/demo/config.js"),
    ),
    (
        "demo/jicofo.conf",
        include_str!("../templates/demo/jicofo.conf"),
    ),
];

fn tera() -> &'static Tera {
    static TERA: OnceLock<Tera> = OnceLock::new();
    TERA.get_or_init(|| {
        let mut tera = Tera::new();
        // Values are quoted by the Lua/JavaScript layers; HTML escaping would corrupt them.
        tera.autoescape_on(Vec::<&str>::new());
        for (name, body) in TEMPLATES {
            tera.add_raw_template(name, body)
                .unwrap_or_else(|e| panic!("embedded template {name} is invalid: {e}"));
        }
        tera
    })
}

/// Renders template `name` with `context`, with `eol` line breaks and without the final one (the
/// caller decides where the text ends).
pub fn render(name: &str, context: &Context, eol: &str) -> String {
    let text = tera()
        .render(name, context)
        .unwrap_or_else(|e| panic!("embedded template {name} failed to render: {e}"));
    let text = text.strip_suffix('\n').unwrap_or(&text);
    if eol == "\n" {
        text.to_string()
    } else {
        text.replace('\n', eol)
    }
}

/// A whole file (the demo's stock files): rendered with its final line break.
pub fn render_file(name: &str, context: &Context) -> String {
    let mut text = render(name, context, "\n");
    text.push('\n');
    text
}

/// Builds a context from `(key, value)` pairs of strings.
pub fn context(pairs: &[(&str, &str)]) -> Context {
    let mut ctx = Context::new();
    for (k, v) in pairs {
        ctx.insert(k.to_string(), v);
    }
    ctx
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_renders() {
        let ctx = context(&[
            ("key", "k"),
            ("value", "v"),
            ("name", "\"g\""),
            ("indent", "  "),
            ("close_indent", ""),
            ("host", "h.org"),
            ("turn_secret", "t"),
            ("focus_password", "p"),
        ]);
        let mut ctx = ctx;
        ctx.insert(
            "settings",
            &vec![serde_json::json!({"key": "a", "value": "b"})],
        );
        ctx.insert("modules", &vec!["\"m\""]);
        for (name, _) in TEMPLATES {
            let out = render(name, &ctx, "\r\n");
            assert!(!out.is_empty(), "{name}");
            assert!(!out.contains("{{"), "{name}");
        }
        assert_eq!(render("prosody/setting.lua", &ctx, "\n"), "k = v");
        assert_eq!(
            render("prosody/modules-enabled.lua", &ctx, "\r\n"),
            "modules_enabled = {\r\n  \"m\";\r\n}"
        );
    }
}
