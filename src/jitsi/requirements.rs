//! What token authentication requires of a host, as data, and how each requirement stands in a
//! given set of files.
//!
//! The requirements come from Jitsi's handbook ("Token Authentication"): the main VirtualHost
//! authenticates with tokens and carries app_id/app_secret, the lobby modules; the conference MUC
//! component verifies tokens and waits for a host; a guest VirtualHost lets guests join rooms
//! that exist; config.js names that guest domain; jicofo's own authentication stays disabled.
//!
//! `install` turns every unmet requirement into an edit ([`crate::plan`]); `check` turns it into
//! a finding; after writing, `install` validates by asking the same questions again.

use crate::document::js::Comment as JsComment;
use crate::document::lua::{Comment, Table, TableItem};
use crate::document::{hocon, text};
use crate::jitsi::meet::{HostsEntry, MeetConfig};
use crate::jitsi::prosody::{ProsodyConfig, Setting, Target, table_has};
use crate::secret::Secret;

/// The blocks of the Prosody file that requirements apply to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Block {
    /// `VirtualHost "HOST"`.
    Main,
    /// The conference MUC component (`Component "conference.HOST" "muc"` on Debian).
    Muc,
    /// The guest VirtualHost (`VirtualHost "guest.HOST"`).
    Guest,
}

/// The value an option must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want {
    Str(&'static str),
    Bool(bool),
    /// The app id given to install; for check, any non-empty string.
    AppId,
    /// The secret given to install; for check, any non-empty string.
    AppSecret,
    /// What install was asked for (true unless `--no-allow-empty-token`); check accepts any.
    AllowEmptyToken,
}

/// `key` in `block` must be `want`.
#[derive(Debug, Clone, Copy)]
pub struct SettingRule {
    pub block: Block,
    pub key: &'static str,
    pub want: Want,
    /// Where a new line goes: after this option of the same block, else after the block's
    /// header line.
    pub after: Option<&'static str>,
    /// The `check` rule that reports it unmet (`src/rules/`); `None` when check accepts any
    /// value.
    pub code: Option<&'static str>,
}

/// `module` must be in `block`'s `modules_enabled`.
#[derive(Debug, Clone, Copy)]
pub struct ModuleRule {
    pub block: Block,
    pub module: &'static str,
    /// The `check` rule that reports it missing (`src/rules/`).
    pub code: &'static str,
}

/// Every option token authentication needs, in the order new lines are laid out.
pub const SETTINGS: &[SettingRule] = &[
    SettingRule {
        block: Block::Main,
        key: "authentication",
        want: Want::Str("token"),
        after: None,
        code: Some("JT102"),
    },
    SettingRule {
        block: Block::Main,
        key: "app_id",
        want: Want::AppId,
        after: Some("authentication"),
        code: Some("JT103"),
    },
    SettingRule {
        block: Block::Main,
        key: "app_secret",
        want: Want::AppSecret,
        after: Some("app_id"),
        code: Some("JT104"),
    },
    SettingRule {
        block: Block::Main,
        key: "allow_empty_token",
        want: Want::AllowEmptyToken,
        after: Some("app_secret"),
        code: None,
    },
    SettingRule {
        block: Block::Guest,
        key: "authentication",
        want: Want::Str("jitsi-anonymous"),
        after: None,
        code: Some("JT131"),
    },
    SettingRule {
        block: Block::Guest,
        key: "c2s_require_encryption",
        want: Want::Bool(false),
        after: Some("authentication"),
        code: Some("JT132"),
    },
];

/// Every module token authentication needs.
pub const MODULES: &[ModuleRule] = &[
    ModuleRule {
        block: Block::Main,
        module: "muc_lobby_rooms",
        code: "JT111",
    },
    ModuleRule {
        block: Block::Main,
        module: "persistent_lobby",
        code: "JT112",
    },
    ModuleRule {
        block: Block::Muc,
        module: "token_verification",
        code: "JT121",
    },
    ModuleRule {
        block: Block::Muc,
        module: "muc_wait_for_host",
        code: "JT122",
    },
];

/// The list options modules are enabled and disabled with.
pub const MODULES_ENABLED: &str = "modules_enabled";
pub const MODULES_DISABLED: &str = "modules_disabled";

/// The prefix of the guest domain install creates (`guest.HOST`).
pub const GUEST_PREFIX: &str = "guest.";

/// MUC component names tried, in order, when config.js computes `hosts.muc`.
pub const MUC_PREFIXES: &[&str] = &["conference.", "muc."];

/// The config.js key naming the guest domain.
pub const ANONYMOUS_DOMAIN: &str = "anonymousdomain";

/// jicofo's own authentication switch, which must stay off under token authentication.
pub const JICOFO_AUTH_ENABLED: &[&str] = &["jicofo", "authentication", "enabled"];

/// Prosody options whose values are secrets: masked in every diff and message.
pub const SECRET_OPTIONS: &[&str] = &[
    "app_secret",
    "external_service_secret",
    "turncredentials_secret",
    "component_secret",
];

/// Values that templates and guides ship as examples: never a real app id or secret.
pub const PLACEHOLDER_APP_IDS: &[&str] = &[
    "example_app_id",
    "myappid",
    "my_app_id",
    "placeholder_app_id",
];
pub const PLACEHOLDER_SECRETS: &[&str] = &[
    "example_app_secret",
    "myappsecret",
    "my_app_secret",
    "placeholder_app_secret",
    "secret",
    "changeme",
];

/// The values install writes.
#[derive(Debug, Clone)]
pub struct Inputs {
    pub app_id: String,
    pub app_secret: Secret,
    pub allow_empty_token: bool,
}

/// The names the blocks have on this host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocks {
    pub host: String,
    /// The conference MUC component, when one could be identified.
    pub muc: Option<String>,
    /// What config.js says `hosts.muc` is, when it is a plain string.
    pub muc_named: Option<String>,
    pub guest: String,
    pub guest_exists: bool,
}

impl Blocks {
    /// Identifies the blocks of `host` from the Prosody file and config.js.
    pub fn resolve(host: &str, prosody: &ProsodyConfig, meet: &MeetConfig) -> Blocks {
        let is_muc = |name: &str| {
            prosody
                .component_module(name)
                .is_some_and(|m| m == Some("muc"))
        };
        let muc_named = meet.hosts_str("muc").map(str::to_string);
        let muc = match &muc_named {
            Some(named) => is_muc(named).then(|| named.clone()),
            None => MUC_PREFIXES
                .iter()
                .map(|p| format!("{p}{host}"))
                .find(|n| is_muc(n)),
        };
        let named_guest = meet
            .hosts_str(ANONYMOUS_DOMAIN)
            .filter(|d| *d != host && prosody.has(&Target::Host(d.to_string())));
        let guest = named_guest.map_or_else(|| format!("{GUEST_PREFIX}{host}"), str::to_string);
        let guest_exists = prosody.has(&Target::Host(guest.clone()));
        Blocks {
            host: host.to_string(),
            muc,
            muc_named,
            guest,
            guest_exists,
        }
    }

    pub fn target(&self, block: Block) -> Option<Target> {
        match block {
            Block::Main => Some(Target::Host(self.host.clone())),
            Block::Muc => self.muc.clone().map(Target::Component),
            Block::Guest => Some(Target::Host(self.guest.clone())),
        }
    }

    /// How a person names the block: `VirtualHost "x"` or `Component "x"`.
    pub fn describe(&self, block: Block) -> String {
        match (block, &self.muc) {
            (Block::Main, _) => format!("VirtualHost {:?}", self.host),
            (Block::Guest, _) => format!("VirtualHost {:?}", self.guest),
            (Block::Muc, Some(m)) => format!("Component {m:?}"),
            (Block::Muc, None) => "the conference MUC component".to_string(),
        }
    }
}

/// How a required option stands.
#[derive(Debug, Clone, Copy)]
pub enum SettingState<'a> {
    Ok,
    /// Set, to another value (possibly inherited from the global section).
    Wrong(Setting<'a>),
    /// Not set; `commented` is a stock commented-out line for it inside the block.
    Missing {
        commented: Option<&'a Comment>,
    },
    /// The block does not exist.
    NoBlock,
    /// Nothing is required (check mode, for options whose value is a choice).
    Free,
}

/// How a required module stands.
#[derive(Debug, Clone, Copy)]
pub enum ModuleState<'a> {
    Ok,
    /// Listed in the block's `modules_disabled`.
    Disabled(Setting<'a>),
    /// Not enabled. `table` is the block's own `modules_enabled`, `commented` a
    /// commented-out item for the module inside it.
    Missing {
        table: Option<Setting<'a>>,
        commented: Option<&'a Comment>,
    },
    NoBlock,
}

/// How config.js's `hosts.anonymousdomain` stands.
#[derive(Debug, Clone, Copy)]
pub enum AnonymousState<'a> {
    Ok,
    Wrong(HostsEntry<'a>),
    Missing { commented: Option<&'a JsComment> },
}

/// How jicofo's own authentication stands.
#[derive(Debug, Clone, Copy)]
pub enum JicofoState<'a> {
    /// Disabled, explicitly or by default.
    Disabled,
    /// Enabled: `enabled = true` (or `"yes"`, `on`...).
    Enabled(&'a hocon::Field),
    /// Set to something whose value is only known at run time (a substitution).
    Unknown(&'a hocon::Field),
    /// Set to something Typesafe Config cannot read as a boolean (`TRUE`, a number...): jicofo
    /// would refuse to start, but its authentication is not on. Install leaves it alone.
    Unreadable(&'a hocon::Field),
}

impl Want {
    /// Whether `value` satisfies the requirement; `None` when nothing is required.
    pub fn accepts(
        &self,
        value: &crate::document::lua::Value,
        inputs: Option<&Inputs>,
    ) -> Option<bool> {
        let string = value.as_string();
        Some(match (self, inputs) {
            (Want::Str(s), _) => string.is_some_and(|v| v.eq_str(s)),
            (Want::Bool(b), _) => value.as_bool() == Some(*b),
            (Want::AppId, Some(i)) => string.is_some_and(|v| v.eq_str(&i.app_id)),
            (Want::AppSecret, Some(i)) => string.is_some_and(|v| v.eq_str(i.app_secret.expose())),
            (Want::AppId | Want::AppSecret, None) => string.is_some_and(|v| !v.0.is_empty()),
            (Want::AllowEmptyToken, Some(i)) => value.as_bool() == Some(i.allow_empty_token),
            (Want::AllowEmptyToken, None) => return None,
        })
    }

    /// The wanted value as text (install only).
    pub fn raw(&self, inputs: &Inputs) -> String {
        match self {
            Want::Str(s) => s.to_string(),
            Want::Bool(b) => b.to_string(),
            Want::AppId => inputs.app_id.clone(),
            Want::AppSecret => inputs.app_secret.expose().to_string(),
            Want::AllowEmptyToken => inputs.allow_empty_token.to_string(),
        }
    }

    /// Lua source for the wanted value (install only).
    pub fn lua(&self, inputs: &Inputs) -> String {
        use crate::document::lua::quote;
        match self {
            Want::Str(s) => quote(s),
            Want::Bool(b) => b.to_string(),
            Want::AppId => quote(&inputs.app_id),
            Want::AppSecret => quote(inputs.app_secret.expose()),
            Want::AllowEmptyToken => inputs.allow_empty_token.to_string(),
        }
    }
}

pub fn assess_setting<'a>(
    cfg: &'a ProsodyConfig,
    blocks: &Blocks,
    rule: &SettingRule,
    inputs: Option<&Inputs>,
) -> SettingState<'a> {
    let Some(target) = blocks.target(rule.block) else {
        return SettingState::NoBlock;
    };
    if !cfg.has(&target) {
        return SettingState::NoBlock;
    }
    match cfg.setting(&target, rule.key) {
        Some(setting) => match rule.want.accepts(setting.value, inputs) {
            None => SettingState::Free,
            Some(true) => SettingState::Ok,
            Some(false) => SettingState::Wrong(setting),
        },
        None if rule.want == Want::AllowEmptyToken && inputs.is_none() => SettingState::Free,
        None => SettingState::Missing {
            commented: commented_setting(cfg, &target, rule.key),
        },
    }
}

/// A stock commented-out assignment (`--app_id="example_app_id"`) inside the block, between
/// its statements: one inside a statement (a table constructor such as `ssl = { ... }`) is not
/// a setting of the block, and uncommenting it there would break the table. The block ends
/// where [`ProsodyConfig::section_end`] says (where install adds a guest VirtualHost after it):
/// a comment further down, before the next block, is not the block's. Only a comment that
/// starts its line: after code (`x = fa --app_secret="..."`) uncommenting would glue the two.
pub fn commented_setting<'a>(
    cfg: &'a ProsodyConfig,
    target: &Target,
    key: &str,
) -> Option<&'a Comment> {
    let section = cfg.sections_of(target).next()?;
    let statements = || cfg.doc.statements().iter().map(|s| s.span.clone());
    let range = cfg.section_range(section);
    let end = cfg.section_end(section).min(range.end);
    cfg.doc.comments_in(range.start..end).find(|c| {
        !c.long
            && is_commented_assignment(&c.text, key)
            && text::own_line_between(cfg.source(), c.span.start, statements())
    })
}

/// `text` is `KEY = <literal>` with an optional `;`, the literal being a simple quoted string,
/// a boolean or a number: a line that was commented out, not prose.
fn is_commented_assignment(text: &str, key: &str) -> bool {
    let Some(rest) = text.trim().strip_prefix(key) else {
        return false;
    };
    let Some(rest) = rest.trim_start().strip_prefix('=') else {
        return false;
    };
    let literal = rest.trim().trim_end_matches(';').trim_end();
    is_simple_literal(literal)
}

fn is_simple_literal(s: &str) -> bool {
    let quoted = |q: char| {
        s.len() >= 2 && s.starts_with(q) && s.ends_with(q) && !s[1..s.len() - 1].contains([q, '\\'])
    };
    quoted('"')
        || quoted('\'')
        || s == "true"
        || s == "false"
        || (!s.is_empty() && s.chars().all(|c| c.is_ascii_digit()))
}

pub fn assess_module<'a>(
    cfg: &'a ProsodyConfig,
    blocks: &Blocks,
    rule: &ModuleRule,
) -> ModuleState<'a> {
    let Some(target) = blocks.target(rule.block) else {
        return ModuleState::NoBlock;
    };
    if !cfg.has(&target) {
        return ModuleState::NoBlock;
    }
    if let Some(disabled) = cfg.own_setting(&target, MODULES_DISABLED)
        && disabled
            .value
            .as_table()
            .is_some_and(|t| table_has(t, rule.module))
    {
        return ModuleState::Disabled(disabled);
    }
    let own = cfg.own_setting(&target, MODULES_ENABLED);
    let enabled_here = own
        .and_then(|s| s.value.as_table())
        .is_some_and(|t| table_has(t, rule.module));
    // A VirtualHost also loads the global modules; a component only its own ones.
    let enabled_globally = rule.block != Block::Muc
        && cfg
            .own_setting(&Target::Global, MODULES_ENABLED)
            .and_then(|s| s.value.as_table())
            .is_some_and(|t| table_has(t, rule.module));
    if enabled_here || enabled_globally {
        return ModuleState::Ok;
    }
    let commented = own
        .and_then(|s| s.value.as_table())
        .and_then(|t| commented_item(cfg, t, rule.module));
    ModuleState::Missing {
        table: own,
        commented,
    }
}

/// A commented-out item `--"module";` inside the table's braces, between its items: one inside
/// an item (`x = f --"module";` continued on the next line, a nested table) is not an item of
/// this table, and uncommenting it there would make it part of that item. Only a comment that
/// starts its line, as for settings.
pub fn commented_item<'a>(
    cfg: &'a ProsodyConfig,
    table: &Table,
    module: &str,
) -> Option<&'a Comment> {
    // Nor one between an item and its separator (`Host "x"`, `--"module";`, `;` on three lines).
    let items = || {
        table
            .items
            .iter()
            .map(|i| i.span.start..i.separator.as_ref().map_or(i.span.end, |s| s.start))
    };
    cfg.doc.comments_in(table.open..table.close).find(|c| {
        !c.long
            && is_commented_item(&c.text, module)
            && text::own_line_between(cfg.source(), c.span.start, items())
    })
}

fn is_commented_item(text: &str, module: &str) -> bool {
    let item = text.trim().trim_end_matches([';', ',']).trim_end();
    item == format!("\"{module}\"") || item == format!("'{module}'")
}

pub fn assess_anonymous_domain<'a>(meet: &'a MeetConfig, blocks: &Blocks) -> AnonymousState<'a> {
    match meet.hosts_entry(ANONYMOUS_DOMAIN) {
        Some(entry) if entry.value().as_str() == Some(blocks.guest.as_str()) => AnonymousState::Ok,
        Some(entry) => AnonymousState::Wrong(entry),
        None => AnonymousState::Missing {
            commented: meet.commented_hosts_property(ANONYMOUS_DOMAIN),
        },
    }
}

pub fn assess_jicofo(doc: &hocon::Document) -> JicofoState<'_> {
    let Some(field) = doc.effective(JICOFO_AUTH_ENABLED) else {
        return JicofoState::Disabled;
    };
    // A concatenation of literals reads as its joined text (`"tr""ue"` is true).
    let as_bool = field.value.as_bool().or_else(|| {
        doc.string_value(&field.value)
            .and_then(|text| match text.as_str() {
                "true" | "yes" | "on" => Some(true),
                "false" | "no" | "off" => Some(false),
                _ => None,
            })
    });
    match (as_bool, &field.value.kind) {
        (Some(true), _) => JicofoState::Enabled(field),
        (Some(false), _) => JicofoState::Disabled,
        (None, hocon::ValueKind::Substitution { .. }) => JicofoState::Unknown(field),
        (None, hocon::ValueKind::Concatenation) if doc.string_value(&field.value).is_none() => {
            JicofoState::Unknown(field)
        }
        (None, _) => JicofoState::Unreadable(field),
    }
}

// --- Beyond what install writes -------------------------------------------------------------
// `check` also asks these questions; install has no edit for them (it only replaces a secret).

/// Below this many characters an app secret is short enough to guess.
pub const MIN_SECRET_CHARS: usize = 32;

/// The option that makes Prosody verify RS256 tokens with public keys fetched by `kid`; when it
/// is set, Prosody's token library never uses `app_secret`.
pub const ASAP_KEY_SERVER: &str = "asap_key_server";

/// How the main host's token signing material stands.
#[derive(Debug, Clone, Copy)]
pub enum Signing<'a> {
    /// HS256 with `app_secret`.
    Secret(Setting<'a>, SecretQuality),
    /// RS256 with keys from `asap_key_server`; `ignored_secret` is an `app_secret` that is set
    /// too and never used.
    KeyServer {
        key_server: Setting<'a>,
        ignored_secret: Option<Setting<'a>>,
    },
    /// Neither is set to a non-empty string (the app_secret requirement reports it), or there
    /// is no main host.
    Unset,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretQuality {
    Good,
    /// One of [`PLACEHOLDER_SECRETS`].
    Placeholder,
    /// Fewer than [`MIN_SECRET_CHARS`] characters (the count).
    Short(usize),
}

pub fn assess_signing<'a>(cfg: &'a ProsodyConfig, blocks: &Blocks) -> Signing<'a> {
    let target = Target::Host(blocks.host.clone());
    if !cfg.has(&target) {
        return Signing::Unset;
    }
    let non_empty = |key: &str| {
        cfg.setting(&target, key)
            .filter(|s| s.value.as_string().is_some_and(|v| !v.0.is_empty()))
    };
    match (non_empty(ASAP_KEY_SERVER), non_empty("app_secret")) {
        (Some(key_server), ignored_secret) => Signing::KeyServer {
            key_server,
            ignored_secret,
        },
        (None, Some(secret)) => {
            let text = secret.value.as_string().map(|s| s.to_string_lossy());
            Signing::Secret(secret, secret_quality(text.as_deref().unwrap_or("")))
        }
        (None, None) => Signing::Unset,
    }
}

pub fn secret_quality(secret: &str) -> SecretQuality {
    let chars = secret.chars().count();
    if PLACEHOLDER_SECRETS.contains(&secret) {
        SecretQuality::Placeholder
    } else if chars < MIN_SECRET_CHARS {
        SecretQuality::Short(chars)
    } else {
        SecretQuality::Good
    }
}

/// A required module listed in a block where it does nothing.
#[derive(Debug, Clone)]
pub struct Misplaced<'a> {
    pub rule: &'static ModuleRule,
    /// The block it is listed in.
    pub found_in: Target,
    pub item: &'a TableItem,
}

/// Required modules listed in the wrong block: a MUC module in the global section or on a
/// VirtualHost (those load host modules, never MUC ones), a VirtualHost module on the MUC
/// component.
pub fn misplaced_modules<'a>(cfg: &'a ProsodyConfig, blocks: &Blocks) -> Vec<Misplaced<'a>> {
    let mut out = Vec::new();
    for rule in MODULES {
        let wrong: Vec<Target> = match rule.block {
            Block::Muc => [Some(Target::Global), blocks.target(Block::Main)]
                .into_iter()
                .chain([blocks
                    .guest_exists
                    .then(|| Target::Host(blocks.guest.clone()))])
                .flatten()
                .collect(),
            Block::Main | Block::Guest => blocks.target(Block::Muc).into_iter().collect(),
        };
        for target in wrong {
            let Some(table) = cfg
                .own_setting(&target, MODULES_ENABLED)
                .and_then(|s| s.value.as_table())
            else {
                continue;
            };
            out.extend(
                table
                    .strings()
                    .filter(|(_, name)| name.eq_str(rule.module))
                    .map(|(item, _)| Misplaced {
                        rule,
                        found_in: target.clone(),
                        item,
                    }),
            );
        }
    }
    out
}

/// A module listed a second time in the same `modules_enabled` table.
#[derive(Debug, Clone)]
pub struct Duplicate<'a> {
    pub module: String,
    pub first: &'a TableItem,
    pub again: &'a TableItem,
}

/// Every repeated item of every `modules_enabled` table literal in the file.
pub fn duplicate_modules(cfg: &ProsodyConfig) -> Vec<Duplicate<'_>> {
    let mut out = Vec::new();
    for stmt in cfg.doc.statements() {
        let Some(table) = stmt
            .assigned()
            .filter(|(name, _)| *name == MODULES_ENABLED)
            .and_then(|(_, value)| value.as_table())
        else {
            continue;
        };
        let mut seen: Vec<(&crate::document::lua::LuaString, &TableItem)> = Vec::new();
        for (item, name) in table.strings() {
            match seen.iter().find(|(n, _)| *n == name) {
                Some((_, first)) => out.push(Duplicate {
                    module: name.to_string_lossy(),
                    first,
                    again: item,
                }),
                None => seen.push((name, item)),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commented_lines_are_recognised_and_prose_is_not() {
        assert!(is_commented_assignment(
            "app_id=\"example_app_id\"",
            "app_id"
        ));
        assert!(is_commented_assignment(" app_secret = 'x';", "app_secret"));
        assert!(!is_commented_assignment(" app_id is the issuer", "app_id"));
        assert!(!is_commented_assignment("app_idx = \"a\"", "app_id"));
        assert!(is_commented_item(
            "\"token_verification\";",
            "token_verification"
        ));
        assert!(is_commented_item(
            " 'token_verification',",
            "token_verification"
        ));
        assert!(!is_commented_item(
            "\"token_verification\"; -- why",
            "token_verification"
        ));
    }

    /// Regression (issue 6, found by tests/fuzz.rs): a commented-out app_secret inside the
    /// host's `ssl = { ... }` table was uncommented there, and the planned file did not parse.
    #[test]
    fn a_commented_setting_inside_a_table_is_not_the_block_s() {
        let cfg = ProsodyConfig::parse(
            "VirtualHost \"h\"\n    ssl = {\n        --app_secret=\"x\"\n        key = \"k\";\n    }\n    --app_id=\"y\"\n",
        )
        .unwrap();
        let host = Target::Host("h".into());
        assert!(commented_setting(&cfg, &host, "app_secret").is_none());
        assert!(commented_setting(&cfg, &host, "app_id").is_some());
        // Regression (issue 6, found by tests/fuzz.rs): a commented line after the block's
        // end, where install puts the guest VirtualHost, was uncommented into that new block.
        let cfg = ProsodyConfig::parse(
            "VirtualHost \"h\"\n    c2s_require_encryption = false\n\n--app_secret=\"x\"\nVirtualHost \"j\"\n",
        )
        .unwrap();
        assert!(commented_setting(&cfg, &host, "app_secret").is_none());
    }

    /// Regression (issue 6, found by tests/fuzz.rs): a commented-out module inside another
    /// item (here the call `f "b"` spanning two lines) was uncommented there and became that
    /// call's argument.
    #[test]
    fn a_commented_item_inside_another_item_is_not_the_table_s() {
        let cfg = ProsodyConfig::parse(
            "m = {\n  \"a\";\n  x = f --\"mod\";\n  \"b\";\n  --\"other\";\n}\n",
        )
        .unwrap();
        let table = cfg.doc.statements()[0]
            .assigned()
            .unwrap()
            .1
            .as_table()
            .unwrap();
        assert!(commented_item(&cfg, table, "mod").is_none());
        assert!(commented_item(&cfg, table, "other").is_some());
    }

    /// Regression (issue 6, found by the long fuzz round): a commented-out module between an
    /// item and its separator, or after code on its line, was uncommented in place: the result
    /// did not parse, or glued onto the item before it.
    #[test]
    fn a_commented_item_before_a_separator_or_after_code_is_not_a_line() {
        for src in [
            "m = {\n  \"a\";\n  Host \"x\"\n  --\"mod\";\n  ;\n}\n",
            "m = {\n  \"a\" --\"mod\";\n}\n",
        ] {
            let cfg = ProsodyConfig::parse(src).unwrap();
            let table = cfg.doc.statements()[0]
                .assigned()
                .unwrap()
                .1
                .as_table()
                .unwrap();
            assert!(commented_item(&cfg, table, "mod").is_none(), "{src}");
        }
    }
}
