//! The rules of `jitsi-tokens check`: one module per rule, each with a stable code, a severity and
//! its documentation in fixed sections (What it does / Why is this bad? / Example / How to fix).
//!
//! Codes are never reused: a retired rule keeps its number out of circulation. The numbering
//! groups rules by the file and block they concern:
//!
//! | codes | what |
//! |---|---|
//! | JT001-JT003 | syntax: Lua, JavaScript, HOCON |
//! | JT10x-JT11x | the main Prosody VirtualHost |
//! | JT12x | the conference MUC component |
//! | JT13x | the guest VirtualHost |
//! | JT2xx | config.js |
//! | JT3xx | jicofo |
//! | JT4xx | files on a live root (permissions, links) |
//!
//! Rules read the files through the same Prosody, config.js and HOCON readers `install` uses,
//! and most ask the very questions `install` validates with ([`crate::jitsi::requirements`]): a
//! host that `install` has configured is clean, and whatever `check` reports about a required
//! setting, `install` would change.

use std::ops::Range;

use crate::document::{SyntaxError, hocon, properties};
use crate::jitsi::meet::MeetConfig;
use crate::jitsi::prosody::{ProsodyConfig, Target};
use crate::jitsi::requirements::{self as req, Blocks, ModuleState, SettingState};
use crate::system::fs::FileMeta;

pub mod jt001_lua_syntax_error;
pub mod jt002_javascript_syntax_error;
pub mod jt003_hocon_syntax_error;
pub mod jt101_main_host_missing;
pub mod jt102_authentication_not_token;
pub mod jt103_app_id_missing;
pub mod jt104_app_secret_missing;
pub mod jt105_app_secret_placeholder;
pub mod jt106_app_secret_short;
pub mod jt107_app_secret_ignored;
pub mod jt111_lobby_module_missing;
pub mod jt112_persistent_lobby_missing;
pub mod jt113_required_module_disabled;
pub mod jt114_module_listed_twice;
pub mod jt115_module_in_wrong_block;
pub mod jt120_muc_component_missing;
pub mod jt121_token_verification_missing;
pub mod jt122_wait_for_host_missing;
pub mod jt130_guest_host_missing;
pub mod jt131_guest_authentication_not_anonymous;
pub mod jt132_guest_requires_encryption;
pub mod jt133_guest_domain_is_main_domain;
pub mod jt201_meet_domain_not_prosody_host;
pub mod jt202_anonymous_domain_missing;
pub mod jt203_anonymous_domain_without_host;
pub mod jt204_muc_domain_without_component;
pub mod jt301_jicofo_authentication_enabled;
pub mod jt302_jicofo_authentication_unresolved;
pub mod jt303_legacy_jicofo_auth_url;
pub mod jt304_jicofo_authentication_from_environment;
pub mod jt305_jicofo_authentication_unreadable;
pub mod jt401_secret_file_world_readable;
pub mod jt402_host_file_not_enabled;

/// A rule: its identity and documentation.
#[derive(Debug, PartialEq, Eq)]
pub struct Rule {
    /// `JT102`: stable, never reused.
    pub code: &'static str,
    /// Kebab-case, naming the problem (`authentication-not-token`).
    pub name: &'static str,
    pub severity: Severity,
    /// One sentence naming the problem.
    pub summary: &'static str,
    pub fix: Fix,
    /// Markdown: `## What it does`, `## Why is this bad?`, `## Example`, `## How to fix`.
    pub doc: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// Whether `jitsi-tokens install` fixes what the rule reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fix {
    Install,
    Manual,
}

/// The kind of file a finding is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FileKind {
    /// A Prosody host file (`*.cfg.lua`).
    Prosody,
    /// Jitsi Meet's `config.js`.
    Meet,
    /// `jicofo.conf`.
    Jicofo,
    /// jicofo's legacy `sip-communicator.properties`.
    Sip,
}

/// Where in its file a diagnostic points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum At {
    /// A byte range of the file.
    Span(Range<usize>),
    /// A 1-based line and column (syntax errors), or the start of the file.
    LineCol(usize, usize),
}

/// What a rule reports: resolved into a path, line and column by the caller.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub rule: &'static Rule,
    pub file: FileKind,
    pub at: At,
    pub message: String,
    pub help: String,
}

impl Diagnostic {
    pub fn new(
        rule: &'static Rule,
        file: FileKind,
        at: At,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> Self {
        Diagnostic {
            rule,
            file,
            at,
            message: message.into(),
            help: help.into(),
        }
    }
}

/// Facts only a live root has: the Prosody file's permissions and whether Prosody loads it.
#[derive(Debug, Clone)]
pub struct Live {
    /// Owner, group and mode of the Prosody host file (its link target).
    pub prosody_meta: Option<FileMeta>,
    /// `etc/prosody/conf.d/HOST.cfg.lua`, as a person would type it.
    pub enabled_path: String,
    pub enabled: Enabled,
}

/// How `conf.d/HOST.cfg.lua` stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Enabled {
    /// A link to the checked file.
    Linked,
    Missing,
    /// A link to something else (where it leads, as a person would type it).
    ElsewhereLink(String),
    /// A regular file: a copy Prosody loads instead of the checked one.
    Copy,
}

/// What the rules see of one config set (or of a lone file: what is absent is `None`).
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The main domain, when known.
    pub host: Option<&'a str>,
    /// The Prosody file, when present and parsed.
    pub prosody: Option<&'a ProsodyConfig>,
    pub meet: Option<&'a MeetConfig>,
    pub jicofo: Option<&'a hocon::Document>,
    pub sip: Option<&'a properties::Document>,
    /// The blocks of the main host (needs `host` and `prosody`).
    pub blocks: Option<&'a Blocks>,
    /// Only when checking a live root.
    pub live: Option<&'a Live>,
    /// A whole config set (not a lone file): what is missing from it is a finding.
    pub whole_set: bool,
}

type Check = fn(&Context, &mut Vec<Diagnostic>);

/// Every rule, by code (syntax rules first; their findings come from the parsers).
pub const RULES: &[&Rule] = &[
    &jt001_lua_syntax_error::RULE,
    &jt002_javascript_syntax_error::RULE,
    &jt003_hocon_syntax_error::RULE,
    &jt101_main_host_missing::RULE,
    &jt102_authentication_not_token::RULE,
    &jt103_app_id_missing::RULE,
    &jt104_app_secret_missing::RULE,
    &jt105_app_secret_placeholder::RULE,
    &jt106_app_secret_short::RULE,
    &jt107_app_secret_ignored::RULE,
    &jt111_lobby_module_missing::RULE,
    &jt112_persistent_lobby_missing::RULE,
    &jt113_required_module_disabled::RULE,
    &jt114_module_listed_twice::RULE,
    &jt115_module_in_wrong_block::RULE,
    &jt120_muc_component_missing::RULE,
    &jt121_token_verification_missing::RULE,
    &jt122_wait_for_host_missing::RULE,
    &jt130_guest_host_missing::RULE,
    &jt131_guest_authentication_not_anonymous::RULE,
    &jt132_guest_requires_encryption::RULE,
    &jt133_guest_domain_is_main_domain::RULE,
    &jt201_meet_domain_not_prosody_host::RULE,
    &jt202_anonymous_domain_missing::RULE,
    &jt203_anonymous_domain_without_host::RULE,
    &jt204_muc_domain_without_component::RULE,
    &jt301_jicofo_authentication_enabled::RULE,
    &jt302_jicofo_authentication_unresolved::RULE,
    &jt303_legacy_jicofo_auth_url::RULE,
    &jt304_jicofo_authentication_from_environment::RULE,
    &jt305_jicofo_authentication_unreadable::RULE,
    &jt401_secret_file_world_readable::RULE,
    &jt402_host_file_not_enabled::RULE,
];

/// The checks of every rule that looks at parsed files.
const CHECKS: &[Check] = &[
    jt101_main_host_missing::check,
    jt102_authentication_not_token::check,
    jt103_app_id_missing::check,
    jt104_app_secret_missing::check,
    jt105_app_secret_placeholder::check,
    jt106_app_secret_short::check,
    jt107_app_secret_ignored::check,
    jt111_lobby_module_missing::check,
    jt112_persistent_lobby_missing::check,
    jt113_required_module_disabled::check,
    jt114_module_listed_twice::check,
    jt115_module_in_wrong_block::check,
    jt120_muc_component_missing::check,
    jt121_token_verification_missing::check,
    jt122_wait_for_host_missing::check,
    jt130_guest_host_missing::check,
    jt131_guest_authentication_not_anonymous::check,
    jt132_guest_requires_encryption::check,
    jt133_guest_domain_is_main_domain::check,
    jt201_meet_domain_not_prosody_host::check,
    jt202_anonymous_domain_missing::check,
    jt203_anonymous_domain_without_host::check,
    jt204_muc_domain_without_component::check,
    jt301_jicofo_authentication_enabled::check,
    jt302_jicofo_authentication_unresolved::check,
    jt303_legacy_jicofo_auth_url::check,
    jt304_jicofo_authentication_from_environment::check,
    jt305_jicofo_authentication_unreadable::check,
    jt401_secret_file_world_readable::check,
    jt402_host_file_not_enabled::check,
];

/// The rule with this code (any case) or name.
pub fn find(code_or_name: &str) -> Option<&'static Rule> {
    RULES
        .iter()
        .copied()
        .find(|r| r.code.eq_ignore_ascii_case(code_or_name) || r.name == code_or_name)
}

/// Runs every rule on `cx`.
pub fn check(cx: &Context) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for check in CHECKS {
        check(cx, &mut out);
    }
    out
}

/// The syntax diagnostic for a file that does not parse.
pub fn syntax(file: FileKind, error: &SyntaxError) -> Diagnostic {
    let rule = match file {
        FileKind::Prosody => &jt001_lua_syntax_error::RULE,
        FileKind::Meet => &jt002_javascript_syntax_error::RULE,
        FileKind::Jicofo | FileKind::Sip => &jt003_hocon_syntax_error::RULE,
    };
    Diagnostic::new(
        rule,
        file,
        At::LineCol(error.line, error.column),
        error.message.clone(),
        rule.summary_help(),
    )
}

impl Rule {
    /// The "How to fix" section's first paragraph, as a one-line help.
    pub fn summary_help(&self) -> String {
        self.doc
            .split("## How to fix")
            .nth(1)
            .and_then(|s| s.trim().split("\n\n").next())
            .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
            .unwrap_or_default()
    }
}

// --- Helpers shared by the rules -----------------------------------------------------------

/// The Prosody file, its blocks and the main host, when all are known and the host exists.
pub(crate) fn main_host<'a>(cx: &Context<'a>) -> Option<(&'a ProsodyConfig, &'a Blocks)> {
    let (cfg, blocks) = (cx.prosody?, cx.blocks?);
    cfg.has(&Target::Host(blocks.host.clone()))
        .then_some((cfg, blocks))
}

/// The span of the header line (`VirtualHost "x"`) of `target`'s first section.
pub(crate) fn header(cfg: &ProsodyConfig, target: &Target) -> At {
    cfg.sections_of(target)
        .next()
        .and_then(|s| s.header)
        .map_or(At::LineCol(1, 1), |h| {
            At::Span(cfg.doc.statements()[h].span.clone())
        })
}

/// A value's source text for a message, shortened.
pub(crate) fn shown(src: &str, span: &Range<usize>) -> String {
    let text = src[span.clone()]
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if text.chars().count() > 60 {
        format!("{}...", text.chars().take(57).collect::<String>())
    } else {
        text
    }
}

/// " (inherited from the global section)" when a setting comes from there.
pub(crate) fn inherited(setting: &crate::jitsi::prosody::Setting) -> &'static str {
    if setting.inherited {
        " (inherited from the global section)"
    } else {
        ""
    }
}

/// Reports the setting requirement coded `rule.code` when unmet: `wrong` words a value that is
/// set (given the block's name and the value), `missing` the absence (given the block's name
/// and a note such as " (only a commented-out line)").
pub(crate) fn setting_rule(
    cx: &Context,
    rule: &'static Rule,
    out: &mut Vec<Diagnostic>,
    wrong: impl Fn(&str, &str) -> String,
    missing: impl Fn(&str, &str) -> String,
    help: impl Fn(&str) -> String,
) {
    let Some((cfg, blocks)) = main_host(cx) else {
        return;
    };
    let Some(requirement) = req::SETTINGS.iter().find(|r| r.code == Some(rule.code)) else {
        return;
    };
    let block = blocks.describe(requirement.block);
    let (at, message) = match req::assess_setting(cfg, blocks, requirement, None) {
        SettingState::Ok | SettingState::Free | SettingState::NoBlock => return,
        SettingState::Wrong(setting) => {
            let value = shown(cfg.source(), &setting.value.span);
            (
                At::Span(setting.value.span.clone()),
                format!("{}{}", wrong(&block, &value), inherited(&setting)),
            )
        }
        SettingState::Missing { commented } => {
            let target = blocks.target(requirement.block).expect("the block exists");
            let at = commented.map_or_else(|| header(cfg, &target), |c| At::Span(c.span.clone()));
            let note = if commented.is_some() {
                " (only a commented-out line)"
            } else {
                ""
            };
            (at, missing(&block, note))
        }
    };
    out.push(Diagnostic::new(
        rule,
        FileKind::Prosody,
        at,
        message,
        help(&block),
    ));
}

/// Reports the module requirement coded `rule.code` when the module is not enabled.
pub(crate) fn module_rule(cx: &Context, rule: &'static Rule, out: &mut Vec<Diagnostic>) {
    let (Some(cfg), Some(blocks)) = (cx.prosody, cx.blocks) else {
        return;
    };
    let Some(requirement) = req::MODULES.iter().find(|r| r.code == rule.code) else {
        return;
    };
    let ModuleState::Missing { table, commented } = req::assess_module(cfg, blocks, requirement)
    else {
        return;
    };
    let block = blocks.describe(requirement.block);
    let at = match (commented, table) {
        (Some(c), _) => At::Span(c.span.clone()),
        (None, Some(t)) => At::Span(t.value.span.clone()),
        (None, None) => header(
            cfg,
            &blocks.target(requirement.block).expect("the block exists"),
        ),
    };
    let how = match (commented, table) {
        (Some(_), _) => " (it is commented out)",
        (None, Some(_)) => "",
        (None, None) => " (the block has no modules_enabled)",
    };
    out.push(Diagnostic::new(
        rule,
        FileKind::Prosody,
        at,
        format!("{block} does not enable {:?}{how}", requirement.module),
        format!(
            "add {:?} to modules_enabled of {block}; `jitsi-tokens install` does this",
            requirement.module
        ),
    ));
}

/// A finding on the field that sets `jicofo.authentication.enabled`: `why` follows
/// "jicofo.authentication.enabled is VALUE", `help` follows "write ... = false".
pub(crate) fn jicofo_field(
    rule: &'static Rule,
    doc: &hocon::Document,
    field: &hocon::Field,
    why: &str,
    help: &str,
) -> Diagnostic {
    let path = req::JICOFO_AUTH_ENABLED.join(".");
    Diagnostic::new(
        rule,
        FileKind::Jicofo,
        At::Span(field.value.span.clone()),
        format!("{path} is {}{why}", shown(doc.source(), &field.value.span)),
        format!("write {path} = false{help}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_ordered_and_documented_in_fixed_sections() {
        let mut last = "";
        for rule in RULES {
            assert!(rule.code > last, "{} is out of order", rule.code);
            last = rule.code;
            assert!(find(rule.name).is_some_and(|r| r.code == rule.code));
            let sections = [
                "## What it does",
                "## Why is this bad?",
                "## Example",
                "## How to fix",
            ];
            let mut at = 0;
            for s in sections {
                let found = rule.doc[at..]
                    .find(s)
                    .unwrap_or_else(|| panic!("{}: missing or misplaced {s:?}", rule.code));
                at += found + s.len();
            }
            assert!(!rule.summary_help().is_empty(), "{}", rule.code);
            let says_install = rule.doc.contains("`jitsi-tokens install` fixes this");
            assert_eq!(
                says_install,
                rule.fix == Fix::Install,
                "{}: the doc must say whether install fixes it",
                rule.code
            );
            assert!(
                rule.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '-' || c.is_ascii_digit()),
                "{}",
                rule.name
            );
        }
        assert_eq!(CHECKS.len() + 3, RULES.len());
    }

    #[test]
    fn every_requirement_has_a_rule() {
        for r in req::SETTINGS {
            if let Some(code) = r.code {
                assert!(find(code).is_some(), "{code}");
            }
        }
        for r in req::MODULES {
            assert!(find(r.code).is_some(), "{}", r.code);
        }
    }
}
