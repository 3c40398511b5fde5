//! Desired state + parsed documents -> per-file patches -> unified diff.
//!
//! Planning is pure: it reads texts and returns new texts with a description of each change. It
//! never touches the file system, so `--dry-run`, `install` and the tests share it exactly. Every
//! edit is a span replacement or insertion in the original text ([`crate::document::Patch`]);
//! new text comes from the templates in `templates/`.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::document::{Patch, SyntaxError, hocon, lua, text};
use crate::failure::Failure;
use crate::jitsi::layout::Role;
use crate::jitsi::meet::MeetConfig;
use crate::jitsi::prosody::{ProsodyConfig, Target};
use crate::jitsi::requirements::{
    self as req, AnonymousState, Block, Blocks, Inputs, JicofoState, ModuleState, SettingRule,
    SettingState,
};
use crate::secret::MASK;
use crate::templates;

/// The three files of a host, as text.
#[derive(Debug, Clone)]
pub struct Sources {
    pub prosody: String,
    pub meet: String,
    pub jicofo: String,
}

/// How each file is named in messages (its path as the user knows it).
#[derive(Debug, Clone)]
pub struct Names {
    pub prosody: String,
    pub meet: String,
    pub jicofo: String,
}

impl Names {
    pub fn of(&self, role: Role) -> &str {
        match role {
            Role::Prosody => &self.prosody,
            Role::Meet => &self.meet,
            Role::Jicofo => &self.jicofo,
        }
    }

    /// `path:line:column` of byte `offset` of `source`.
    pub fn locate(&self, role: Role, source: &str, offset: usize) -> String {
        let (line, column) = text::line_col(source, offset);
        format!("{}:{line}:{column}", self.of(role))
    }
}

/// The three files, parsed.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub prosody: ProsodyConfig,
    pub meet: MeetConfig,
    pub jicofo: hocon::Document,
}

/// Parses all three files; a syntax error names the file, line and column and shows the line.
pub fn parse_all(sources: &Sources, names: &Names) -> Result<Parsed, Failure> {
    parse_with(sources, |role, e| {
        crate::input!(
            "{}\n{} was not changed; fix the syntax error and run again",
            e.render(names.of(role)),
            names.of(role)
        )
    })
}

/// Parses texts jitsi-tokens planned (`what`: install's edit, uninstall's revert) before any
/// is written. A failure is a bug of ours, not a fault of the admin's file: the message says
/// so, and that nothing changed (exit 1).
pub fn parse_planned(sources: &Sources, names: &Names, what: &str) -> Result<Parsed, Failure> {
    parse_with(sources, |role, e| {
        Failure::failed(anyhow::anyhow!(
            "internal error: the {what} of {name} would not parse, so nothing was written \
             (the position is in the planned text):\n{}\n\
             {name} is unchanged and this is a bug in jitsi-tokens, not in your file; please \
             report it with the file, secrets removed. `jitsi-tokens check` lists what token \
             authentication still needs, to set by hand meanwhile.",
            e.render(names.of(role)),
            name = names.of(role)
        ))
    })
}

fn parse_with(
    sources: &Sources,
    fail: impl Fn(Role, SyntaxError) -> Failure,
) -> Result<Parsed, Failure> {
    Ok(Parsed {
        prosody: ProsodyConfig::parse(&sources.prosody).map_err(|e| fail(Role::Prosody, e))?,
        meet: MeetConfig::parse(&sources.meet).map_err(|e| fail(Role::Meet, e))?,
        jicofo: hocon::parse(&sources.jicofo).map_err(|e| fail(Role::Jicofo, e))?,
    })
}

/// One change to one file, described for people and recorded for `uninstall`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// A sentence without secrets, such as `VirtualHost "x": app_secret = **** (was unset)`.
    pub summary: String,
    pub record: Record,
}

/// What install changed, precisely enough to undo it later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub file: Role,
    pub kind: RecordKind,
    /// The Prosody block (`VirtualHost "x"`), when the change is in one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block: Option<String>,
    /// The option, module or key changed.
    pub key: String,
    pub before: Before,
    /// What install wrote, as source text: the value, the list item, or (for a guest host) the
    /// whole inserted block. The state file stores secrets' as salted hashes.
    pub after: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RecordKind {
    Setting,
    Module,
    GuestHost,
    AnonymousDomain,
    JicofoAuthentication,
}

/// What was there before the change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "was", content = "text")]
pub enum Before {
    /// Nothing: the line or item was added.
    Absent,
    /// The value, as source text.
    Value(String),
    /// A commented-out line or item, as source text (`--app_id="example_app_id"`).
    Comment(String),
}

/// The planned new text of one file.
#[derive(Debug, Clone)]
pub struct FilePlan {
    pub role: Role,
    pub before: String,
    pub after: String,
    pub changes: Vec<Change>,
}

impl FilePlan {
    pub fn changed(&self) -> bool {
        self.before != self.after
    }
}

/// The planned new texts of the three files.
#[derive(Debug, Clone)]
pub struct Plan {
    pub blocks: Blocks,
    /// Prosody, config.js, jicofo.conf, in that order.
    pub files: Vec<FilePlan>,
    /// Things worth telling the admin that are not changes.
    pub notes: Vec<String>,
}

impl Plan {
    pub fn changed(&self) -> bool {
        self.files.iter().any(FilePlan::changed)
    }

    /// What every planned change records in the state file, for uninstall.
    pub fn records(&self) -> Vec<Record> {
        self.files
            .iter()
            .flat_map(|f| f.changes.iter().map(|c| c.record.clone()))
            .collect()
    }
}

/// Plans every edit token authentication needs on `host`.
pub fn plan_install(
    host: &str,
    parsed: &Parsed,
    inputs: &Inputs,
    names: &Names,
) -> Result<Plan, Failure> {
    let blocks = Blocks::resolve(host, &parsed.prosody, &parsed.meet);
    require_blocks(&blocks, parsed, names)?;
    let mut notes = Vec::new();
    if blocks.guest != format!("{}{host}", req::GUEST_PREFIX) {
        notes.push(format!(
            "config.js already names the guest domain {:?}, which has its own VirtualHost; keeping it",
            blocks.guest
        ));
    }
    let prosody = ProsodyPlanner::new(&parsed.prosody, &blocks, inputs, names).plan()?;
    let meet = plan_meet(&parsed.meet, &blocks, names)?;
    let jicofo = plan_jicofo(&parsed.jicofo);
    let files = vec![
        finish(Role::Prosody, parsed.prosody.source(), prosody)?,
        finish(Role::Meet, parsed.meet.source(), meet)?,
        finish(Role::Jicofo, parsed.jicofo.source(), jicofo)?,
    ];
    Ok(Plan {
        blocks,
        files,
        notes,
    })
}

fn finish(
    role: Role,
    before: &str,
    (patch, changes): (Patch, Vec<Change>),
) -> Result<FilePlan, Failure> {
    let after = patch.apply(before).map_err(Failure::failed)?;
    Ok(FilePlan {
        role,
        before: before.to_string(),
        after,
        changes,
    })
}

/// The main VirtualHost and the conference MUC must exist: install will not invent them.
fn require_blocks(blocks: &Blocks, parsed: &Parsed, names: &Names) -> Result<(), Failure> {
    let cfg = &parsed.prosody;
    if !cfg.has(&Target::Host(blocks.host.clone())) {
        let found = cfg.virtual_hosts();
        return Err(crate::input!(
            "{} has no VirtualHost {:?} (VirtualHosts found: {}); check --hostname",
            names.prosody,
            blocks.host,
            if found.is_empty() {
                "none".to_string()
            } else {
                found.join(", ")
            }
        ));
    }
    if blocks.muc.is_none() {
        return Err(match (&blocks.muc_named, parsed.meet.hosts_entry("muc")) {
            (Some(named), Some(entry)) => crate::input!(
                "{} sets hosts.muc to {named:?}, but {} has no Component {named:?} \"muc\"; \
                 make them agree, then run again",
                names.locate(Role::Meet, parsed.meet.source(), entry.offset()),
                names.prosody
            ),
            _ => crate::input!(
                "{} has no conference MUC component (Component {:?} \"muc\" or {:?} \"muc\"), \
                 and config.js does not name one in hosts.muc",
                names.prosody,
                format!("{}{}", req::MUC_PREFIXES[0], blocks.host),
                format!("{}{}", req::MUC_PREFIXES[1], blocks.host)
            ),
        });
    }
    Ok(())
}

/// How a value is shown in a summary: secrets masked.
fn shown(key: &str, lua_text: &str) -> String {
    if req::SECRET_OPTIONS.contains(&key) {
        MASK.to_string()
    } else {
        lua_text.to_string()
    }
}

/// Where a planned option line sits, for options laid out after it.
#[derive(Debug, Clone, Copy)]
enum Placement {
    /// An existing statement or comment ending at this offset of the original.
    EndsAt(usize),
    /// A new line inserted at this line-start offset.
    InsertedAt(usize),
}

struct ProsodyPlanner<'a> {
    cfg: &'a ProsodyConfig,
    doc: &'a lua::Document,
    blocks: &'a Blocks,
    inputs: &'a Inputs,
    names: &'a Names,
    patch: Patch,
    changes: Vec<Change>,
    placed: HashMap<(Block, &'static str), Placement>,
}

impl<'a> ProsodyPlanner<'a> {
    fn new(
        cfg: &'a ProsodyConfig,
        blocks: &'a Blocks,
        inputs: &'a Inputs,
        names: &'a Names,
    ) -> Self {
        ProsodyPlanner {
            cfg,
            doc: &cfg.doc,
            blocks,
            inputs,
            names,
            patch: Patch::new(),
            changes: Vec::new(),
            placed: HashMap::new(),
        }
    }

    fn plan(mut self) -> Result<(Patch, Vec<Change>), Failure> {
        for block in [Block::Main, Block::Muc, Block::Guest] {
            if block == Block::Guest && !self.blocks.guest_exists {
                self.add_guest_host();
                continue;
            }
            for rule in req::SETTINGS.iter().filter(|r| r.block == block) {
                self.setting(rule);
            }
            self.modules(block)?;
        }
        Ok((self.patch, self.changes))
    }

    fn target(&self, block: Block) -> Target {
        self.blocks.target(block).expect("blocks were checked")
    }

    fn change(
        &mut self,
        block: Block,
        key: &str,
        kind: RecordKind,
        before: Before,
        after: &str,
        summary: String,
    ) {
        self.changes.push(Change {
            summary: if summary.is_empty() {
                summary
            } else {
                format!("{}: {summary}", self.blocks.describe(block))
            },
            record: Record {
                file: Role::Prosody,
                kind,
                block: Some(self.blocks.describe(block)),
                key: key.to_string(),
                before,
                after: after.to_string(),
            },
        });
    }

    fn setting(&mut self, rule: &'static SettingRule) {
        let value = rule.want.lua(self.inputs);
        let target = self.target(rule.block);
        let state = req::assess_setting(self.cfg, self.blocks, rule, Some(self.inputs));
        let line = templates::render(
            "prosody/setting.lua",
            &templates::context(&[("key", rule.key), ("value", &value)]),
            self.doc.eol(),
        );
        let shown_new = shown(rule.key, &value);
        match state {
            SettingState::Ok | SettingState::Free | SettingState::NoBlock => {
                if let Some(own) = self.cfg.own_setting(&target, rule.key) {
                    self.placed.insert(
                        (rule.block, rule.key),
                        Placement::EndsAt(own.statement.span.end),
                    );
                }
            }
            SettingState::Wrong(s) if !s.inherited => {
                let old = &self.cfg.source()[s.value.span.clone()];
                let value = match s.value.as_string() {
                    Some(_) if value.starts_with('"') => {
                        lua::quote_like(&rule.want.raw(self.inputs), old)
                    }
                    _ => value.clone(),
                };
                self.patch.replace(s.value.span.clone(), value.as_str());
                self.placed.insert(
                    (rule.block, rule.key),
                    Placement::EndsAt(s.statement.span.end),
                );
                self.change(
                    rule.block,
                    rule.key,
                    RecordKind::Setting,
                    Before::Value(old.to_string()),
                    &value,
                    format!("{} = {shown_new} (was {})", rule.key, shown(rule.key, old)),
                );
            }
            SettingState::Wrong(_) | SettingState::Missing { commented: None } => {
                let at = self.anchor(rule);
                let indent = self.indent(rule.block);
                self.insert_line(at, &indent, &line);
                self.placed
                    .insert((rule.block, rule.key), Placement::InsertedAt(at));
                self.change(
                    rule.block,
                    rule.key,
                    RecordKind::Setting,
                    Before::Absent,
                    &value,
                    format!("{} = {shown_new} (added)", rule.key),
                );
            }
            SettingState::Missing {
                commented: Some(comment),
            } => {
                let old = &self.cfg.source()[comment.span.clone()];
                self.patch.replace(comment.span.clone(), line.as_str());
                self.placed
                    .insert((rule.block, rule.key), Placement::EndsAt(comment.span.end));
                let summary = format!(
                    "{} = {shown_new} (was the commented-out line {})",
                    rule.key,
                    if req::SECRET_OPTIONS.contains(&rule.key) {
                        MASK
                    } else {
                        old
                    }
                );
                self.change(
                    rule.block,
                    rule.key,
                    RecordKind::Setting,
                    Before::Comment(old.to_string()),
                    &value,
                    summary,
                );
            }
        }
    }

    /// The line-start offset a new option line of `rule` goes to.
    fn anchor(&self, rule: &SettingRule) -> usize {
        match rule.after.and_then(|k| self.placed.get(&(rule.block, k))) {
            Some(Placement::InsertedAt(at)) => *at,
            Some(Placement::EndsAt(end)) => self.doc.after_line_between_statements(*end),
            None => {
                let section = self
                    .cfg
                    .sections_of(&self.target(rule.block))
                    .next()
                    .expect("block exists");
                let header = section.header.expect("a block has a header");
                self.doc
                    .after_line_between_statements(self.doc.statements()[header].span.end)
            }
        }
    }

    fn indent(&self, block: Block) -> String {
        let section = self
            .cfg
            .sections_of(&self.target(block))
            .next()
            .expect("block exists");
        self.cfg.body_indent(section)
    }

    /// Inserts `line` at the line start `at`; at the end of a file without a final line
    /// break, the break goes before the line so the file still ends without one.
    fn insert_line(&mut self, at: usize, indent: &str, line: &str) {
        let src = self.cfg.source();
        let eol = self.doc.eol();
        if at == src.len() && !src.is_empty() && !src.ends_with('\n') {
            self.patch.insert(at, format!("{eol}{indent}{line}"));
        } else {
            self.patch.insert(at, format!("{indent}{line}{eol}"));
        }
    }

    fn modules(&mut self, block: Block) -> Result<(), Failure> {
        let target = self.target(block);
        let mut to_insert: Vec<&'static str> = Vec::new();
        let mut table = None;
        let mut uncomment = Vec::new();
        for rule in req::MODULES.iter().filter(|r| r.block == block) {
            match req::assess_module(self.cfg, self.blocks, rule) {
                ModuleState::Ok | ModuleState::NoBlock => {}
                ModuleState::Disabled(s) => {
                    return Err(crate::input!(
                        "{}: {} lists {:?} in modules_disabled, but token authentication needs it; \
                         remove it from modules_disabled, then run install again",
                        self.names
                            .locate(Role::Prosody, self.cfg.source(), s.statement.span.start),
                        self.blocks.describe(block),
                        rule.module
                    ));
                }
                ModuleState::Missing {
                    table: own,
                    commented,
                } => {
                    table = own;
                    match commented {
                        Some(c) => uncomment.push((rule.module, c)),
                        None => to_insert.push(rule.module),
                    }
                }
            }
        }
        let sep_of = |t: &lua::Table| {
            t.items
                .iter()
                .find_map(|i| i.separator.clone())
                .map_or(",".to_string(), |r| self.cfg.source()[r].to_string())
        };
        if let Some(t) = table.and_then(|s| s.value.as_table()) {
            let sep = sep_of(t);
            for (module, comment) in uncomment {
                let before = t
                    .items
                    .iter()
                    .rev()
                    .find(|i| i.span.end <= comment.span.start);
                let needs_sep_before = before.is_some_and(|i| i.separator.is_none());
                let is_last = before.is_some_and(|b| std::ptr::eq(b, t.items.last().unwrap()));
                if needs_sep_before && is_last && !to_insert.is_empty() {
                    // insert_table_items adds that separator too; let it place this one as well.
                    to_insert.insert(0, module);
                    continue;
                }
                if let Some(b) = before.filter(|_| needs_sep_before) {
                    self.patch.insert(b.value.span.end, sep.as_str());
                }
                let mut item = comment.text.trim().to_string();
                let followed = t.items.iter().any(|i| i.span.start > comment.span.start);
                if followed && !item.ends_with([';', ',']) {
                    item.push_str(&sep);
                }
                let old = self.cfg.source()[comment.span.clone()].to_string();
                self.patch.replace(comment.span.clone(), item);
                self.change(
                    block,
                    module,
                    RecordKind::Module,
                    Before::Comment(old),
                    module,
                    format!("enabled module {module:?} (was commented out)"),
                );
            }
        }
        if to_insert.is_empty() {
            return Ok(());
        }
        let quoted: Vec<String> = to_insert.iter().map(|m| lua::quote(m)).collect();
        match table {
            Some(s) => {
                let Some(t) = s.value.as_table() else {
                    return Err(crate::input!(
                        "{}: modules_enabled of {} is not a table literal, so install cannot add {}; \
                         add them by hand, then run again",
                        self.names
                            .locate(Role::Prosody, self.cfg.source(), s.value.span.start),
                        self.blocks.describe(block),
                        quoted.join(", ")
                    ));
                };
                self.patch.extend(self.doc.insert_table_items(t, &quoted));
            }
            None => {
                let section = self.cfg.sections_of(&target).next().expect("block exists");
                let indent = self.cfg.body_indent(section);
                let inner = format!("{indent}{}", self.doc.indent_unit());
                let mut ctx = templates::context(&[("indent", &inner), ("close_indent", &indent)]);
                ctx.insert("modules", &quoted);
                let text = templates::render("prosody/modules-enabled.lua", &ctx, self.doc.eol());
                let last = section
                    .body
                    .clone()
                    .last()
                    .or(section.header)
                    .expect("a block has a header");
                let at = self
                    .doc
                    .after_line_between_statements(self.doc.statements()[last].span.end);
                self.insert_line(at, &indent, &text);
                // Recorded (without a summary) so uninstall can remove the whole statement.
                self.change(
                    block,
                    req::MODULES_ENABLED,
                    RecordKind::Setting,
                    Before::Absent,
                    &text,
                    String::new(),
                );
            }
        }
        for module in to_insert {
            self.change(
                block,
                module,
                RecordKind::Module,
                Before::Absent,
                module,
                format!("enabled module {module:?} (added)"),
            );
        }
        Ok(())
    }

    fn add_guest_host(&mut self) {
        let main = self
            .cfg
            .sections_of(&self.target(Block::Main))
            .next()
            .expect("main host exists");
        let indent = self.cfg.body_indent(main);
        let settings: Vec<serde_json::Value> = req::SETTINGS
            .iter()
            .filter(|r| r.block == Block::Guest)
            .map(|r| serde_json::json!({"key": r.key, "value": r.want.lua(self.inputs)}))
            .collect();
        let mut ctx = templates::context(&[
            ("name", &lua::quote(&self.blocks.guest)),
            ("indent", &indent),
        ]);
        ctx.insert("settings", &settings);
        let eol = self.doc.eol();
        let block = templates::render("prosody/guest-host.lua", &ctx, eol);
        let src = self.cfg.source();
        let at = self.cfg.section_end(main);
        let inserted = if at == src.len() && !src.is_empty() && !src.ends_with('\n') {
            format!("{eol}{eol}{block}")
        } else {
            format!("{eol}{block}{eol}")
        };
        self.patch.insert(at, inserted.as_str());
        let guest = self.blocks.guest.clone();
        self.changes.push(Change {
            summary: format!(
                "added VirtualHost {guest:?} for guests (authentication = \"jitsi-anonymous\")"
            ),
            record: Record {
                file: Role::Prosody,
                kind: RecordKind::GuestHost,
                block: None,
                key: guest,
                before: Before::Absent,
                after: inserted,
            },
        });
    }
}

fn plan_meet(
    meet: &MeetConfig,
    blocks: &Blocks,
    names: &Names,
) -> Result<(Patch, Vec<Change>), Failure> {
    let doc = &meet.doc;
    let value = crate::document::js::quote(&blocks.guest);
    let key = req::ANONYMOUS_DOMAIN;
    let mut patch = Patch::new();
    let record = |before: Before| Record {
        file: Role::Meet,
        kind: RecordKind::AnonymousDomain,
        block: None,
        key: key.to_string(),
        before,
        after: value.clone(),
    };
    let property = templates::render(
        "meet/hosts-property.js",
        &templates::context(&[("key", key), ("value", &value)]),
        doc.eol(),
    );
    let change = match req::assess_anonymous_domain(meet, blocks) {
        AnonymousState::Ok => return Ok((patch, Vec::new())),
        AnonymousState::Wrong(entry) => {
            let span = entry.value().span.clone();
            let old = meet.source()[span.clone()].to_string();
            patch.replace(span, value.as_str());
            Change {
                summary: format!("hosts.{key} = {value} (was {old})"),
                record: record(Before::Value(old)),
            }
        }
        AnonymousState::Missing {
            commented: Some(comment),
        } => {
            let hosts = meet
                .hosts_object()
                .expect("comments are searched inside hosts");
            if let Some(prev) = hosts
                .properties
                .iter()
                .rev()
                .find(|p| p.span.end <= comment.span.start)
                .filter(|p| p.comma.is_none())
            {
                patch.insert(prev.span.end, ",");
            }
            let old = meet.source()[comment.span.clone()].to_string();
            patch.replace(comment.span.clone(), property.as_str());
            Change {
                summary: format!("hosts.{key} = {value} (was the commented-out line {old})"),
                record: record(Before::Comment(old)),
            }
        }
        AnonymousState::Missing { commented: None } => {
            if let Some(hosts) = meet.hosts_object() {
                patch.extend(doc.insert_property(hosts, hosts.property("domain"), &property));
            } else if let Some(last) = meet.hosts_statements().last() {
                let statement = templates::render(
                    "meet/hosts-statement.js",
                    &templates::context(&[("key", key), ("value", &value)]),
                    doc.eol(),
                );
                patch.extend(doc.insert_statement_after(&last.statement, &statement));
            } else {
                return Err(crate::input!(
                    "{} sets no config.hosts (neither a `hosts: {{ ... }}` literal in `var config` \
                     nor `config.hosts.x = ...` statements), so install cannot add {key}; \
                     is this Jitsi Meet's config.js?",
                    names.meet
                ));
            }
            Change {
                summary: format!("hosts.{key} = {value} (added)"),
                record: record(Before::Absent),
            }
        }
    };
    Ok((patch, vec![change]))
}

fn plan_jicofo(doc: &hocon::Document) -> (Patch, Vec<Change>) {
    let field = match req::assess_jicofo(doc) {
        JicofoState::Disabled | JicofoState::Unreadable(_) => return (Patch::new(), Vec::new()),
        JicofoState::Enabled(field) | JicofoState::Unknown(field) => field,
    };
    let key = req::JICOFO_AUTH_ENABLED.join(".");
    let record = |before: Before, after: &str| Record {
        file: Role::Jicofo,
        kind: RecordKind::JicofoAuthentication,
        block: None,
        key: key.clone(),
        before,
        after: after.to_string(),
    };
    let old = doc.source()[field.value.span.clone()].to_string();
    if field
        .path
        .iter()
        .map(String::as_str)
        .eq(req::JICOFO_AUTH_ENABLED.iter().copied())
    {
        // The switch itself says "on": turn that value off.
        let new = templates::render(
            "jicofo/authentication-disabled.conf",
            &tera::Context::new(),
            "\n",
        );
        let change = Change {
            summary: format!("{key} = {new} (was {old}; token authentication needs it off)"),
            record: record(Before::Value(old), &new),
        };
        return (doc.replace_value(field, &new), vec![change]);
    }
    // The value comes from elsewhere (a substitution): leave that alone and override the switch
    // at the end of the file, where a later assignment wins.
    let eol = text::eol(doc.source());
    let block = templates::render(
        "jicofo/authentication-override.conf",
        &tera::Context::new(),
        eol,
    );
    let src = doc.source();
    let inserted = if src.is_empty() || src.ends_with('\n') {
        format!("{block}{eol}")
    } else {
        format!("{eol}{block}")
    };
    let mut patch = Patch::new();
    // A braced root document takes the line inside its closing brace.
    let at = match src.trim_end().strip_suffix('}') {
        Some(rest) if hocon::parse(&format!("{src}{inserted}")).is_err() => rest.len(),
        _ => src.len(),
    };
    let inserted = if at == src.len() {
        inserted
    } else {
        format!("{block}{eol}")
    };
    patch.insert(at, inserted.as_str());
    let change = Change {
        summary: format!(
            "{key} = false (added at the end; it was {old} through {}; token authentication needs it off)",
            field.path.join(".")
        ),
        record: record(Before::Absent, &inserted),
    };
    (patch, vec![change])
}

/// Every requirement `parsed` does not meet for `inputs`, as sentences: empty means valid.
pub fn unmet(host: &str, parsed: &Parsed, inputs: &Inputs) -> Vec<String> {
    let blocks = Blocks::resolve(host, &parsed.prosody, &parsed.meet);
    let mut out = Vec::new();
    for rule in req::SETTINGS {
        match req::assess_setting(&parsed.prosody, &blocks, rule, Some(inputs)) {
            SettingState::Ok | SettingState::Free => {}
            _ => out.push(format!(
                "{}: {} is not {}",
                blocks.describe(rule.block),
                rule.key,
                shown(rule.key, &rule.want.lua(inputs))
            )),
        }
    }
    for rule in req::MODULES {
        if !matches!(
            req::assess_module(&parsed.prosody, &blocks, rule),
            ModuleState::Ok
        ) {
            out.push(format!(
                "{}: module {:?} is not enabled",
                blocks.describe(rule.block),
                rule.module
            ));
        }
    }
    if !matches!(
        req::assess_anonymous_domain(&parsed.meet, &blocks),
        AnonymousState::Ok
    ) {
        out.push(format!(
            "config.js: hosts.anonymousdomain is not {:?}",
            blocks.guest
        ));
    }
    if matches!(
        req::assess_jicofo(&parsed.jicofo),
        JicofoState::Enabled(_) | JicofoState::Unknown(_)
    ) {
        out.push("jicofo.conf: jicofo.authentication.enabled is not false".to_string());
    }
    out
}

/// A copy of a Prosody text with every secret option's string value replaced by `"****"`.
/// Text that does not parse is returned unchanged (the caller masks raw secrets as well).
pub fn mask_secrets(role: Role, text: &str) -> String {
    if role != Role::Prosody {
        return text.to_string();
    }
    let Ok(doc) = lua::parse(text) else {
        return text.to_string();
    };
    let mut patch = Patch::new();
    for stmt in doc.statements() {
        if let Some((name, value)) = stmt.assigned()
            && req::SECRET_OPTIONS.contains(&name)
        {
            patch.replace(value.span.clone(), lua::quote(MASK));
        }
    }
    patch.apply(text).unwrap_or_else(|_| text.to_string())
}

/// The unified diff of one file plan, secrets masked. `secrets` are raw values that must not
/// appear even if they sit somewhere unexpected.
pub fn diff(plan: &FilePlan, name: &str, secrets: &[&str]) -> String {
    let before = mask_secrets(plan.role, &plan.before);
    let after = mask_secrets(plan.role, &plan.after);
    let mut out = similar::TextDiff::from_lines(&before, &after)
        .unified_diff()
        .context_radius(3)
        .header(name, name)
        .to_string();
    for secret in secrets.iter().filter(|s| s.len() >= 4) {
        out = out.replace(secret, MASK);
    }
    out
}
