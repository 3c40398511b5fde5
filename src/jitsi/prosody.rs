//! Prosody's view of a `*.cfg.lua` file: sections and the effective value of each option.
//!
//! Prosody runs the file as Lua: `VirtualHost "x"` and `Component "x" "mod"` switch the section
//! that later assignments write to; assignments before any of them are global (`"*"`). A host may
//! be declared more than once (its settings accumulate), the last assignment of an option wins,
//! and an option a host does not set falls back to the global section. This module reproduces
//! that reading on top of the lossless Lua layer, keeping every span.

use std::ops::Range;

use crate::document::lua::{self, Document, LuaString, Statement, Table, Value};
use crate::document::text;

/// What kind of section a statement belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SectionKind {
    Global,
    VirtualHost(String),
    /// `Component "name" "module"` (`module` is `None` for an external component).
    Component {
        name: String,
        module: Option<String>,
    },
}

/// A run of statements under one `VirtualHost`/`Component` line (or before the first one).
#[derive(Debug, Clone)]
pub struct Section {
    pub kind: SectionKind,
    /// Index of the header statement, `None` for the global section.
    pub header: Option<usize>,
    /// Indices of the statements after the header, up to the next header.
    pub body: Range<usize>,
}

/// A parsed Prosody configuration file.
#[derive(Debug, Clone)]
pub struct ProsodyConfig {
    pub doc: Document,
    pub sections: Vec<Section>,
}

/// Which sections a lookup covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Global,
    Host(String),
    Component(String),
}

/// An option assignment found in the file.
#[derive(Debug, Clone, Copy)]
pub struct Setting<'a> {
    pub statement: &'a Statement,
    pub value: &'a Value,
    /// True when the value comes from the global section, not the host itself.
    pub inherited: bool,
}

impl Section {
    pub fn name(&self) -> Option<&str> {
        match &self.kind {
            SectionKind::Global => None,
            SectionKind::VirtualHost(n) => Some(n),
            SectionKind::Component { name, .. } => Some(name),
        }
    }

    pub fn matches(&self, target: &Target) -> bool {
        match (target, &self.kind) {
            (Target::Global, SectionKind::Global) => true,
            (Target::Host(h), SectionKind::VirtualHost(n)) => h == n,
            (Target::Component(c), SectionKind::Component { name, .. }) => c == name,
            _ => false,
        }
    }
}

/// Replaces, in the source line of `e`, everything after the option name of a line that names
/// a secret option by `*` (one per character, so the caret still points at the same column).
fn mask_secret_line(mut e: crate::document::SyntaxError) -> crate::document::SyntaxError {
    let line = &e.source_line;
    let named = crate::jitsi::requirements::SECRET_OPTIONS
        .iter()
        .filter_map(|key| line.find(key).map(|at| at + key.len()))
        .min();
    if let Some(from) = named {
        let masked: String = line[from..]
            .chars()
            .map(|c| {
                if c.is_whitespace() || "=;,".contains(c) {
                    c
                } else {
                    '*'
                }
            })
            .collect();
        e.source_line = format!("{}{masked}", &line[..from]);
    }
    e
}

impl ProsodyConfig {
    /// Parses a Prosody file. A syntax error on a line that sets a secret option shows that
    /// line with its value masked: error messages print the offending line.
    pub fn parse(source: &str) -> Result<Self, crate::document::SyntaxError> {
        Ok(Self::from_document(
            lua::parse(source).map_err(mask_secret_line)?,
        ))
    }

    pub fn from_document(doc: Document) -> Self {
        let mut sections = vec![Section {
            kind: SectionKind::Global,
            header: None,
            body: 0..0,
        }];
        for (i, stmt) in doc.statements().iter().enumerate() {
            let kind = match stmt.called() {
                Some(("VirtualHost" | "Host", [name])) => {
                    Some(SectionKind::VirtualHost(name.to_string_lossy()))
                }
                Some(("Component", [name, rest @ ..])) if rest.len() <= 1 => {
                    Some(SectionKind::Component {
                        name: name.to_string_lossy(),
                        module: rest.first().map(LuaString::to_string_lossy),
                    })
                }
                _ => None,
            };
            match kind {
                Some(kind) => sections.push(Section {
                    kind,
                    header: Some(i),
                    body: i + 1..i + 1,
                }),
                None => sections.last_mut().expect("global section").body.end = i + 1,
            }
        }
        ProsodyConfig { doc, sections }
    }

    pub fn source(&self) -> &str {
        self.doc.source()
    }

    /// Sections that declare `target`, in file order.
    pub fn sections_of(&self, target: &Target) -> impl Iterator<Item = &Section> + '_ {
        let target = target.clone();
        self.sections.iter().filter(move |s| s.matches(&target))
    }

    pub fn has(&self, target: &Target) -> bool {
        self.sections_of(target).next().is_some()
    }

    /// Statements of `target`'s sections, in order.
    pub fn statements_of(&self, target: &Target) -> impl Iterator<Item = &Statement> + '_ {
        self.sections_of(target)
            .flat_map(move |s| self.doc.statements()[s.body.clone()].iter())
    }

    /// The last assignment of `key` in `target`'s own sections.
    pub fn own_setting(&self, target: &Target, key: &str) -> Option<Setting<'_>> {
        self.statements_of(target)
            .filter_map(|stmt| match stmt.assigned() {
                Some((name, value)) if name == key => Some(Setting {
                    statement: stmt,
                    value,
                    inherited: false,
                }),
                _ => None,
            })
            .last()
    }

    /// The value Prosody uses for `key` on `target`: its own, else the global one.
    pub fn setting(&self, target: &Target, key: &str) -> Option<Setting<'_>> {
        self.own_setting(target, key).or_else(|| {
            if *target == Target::Global {
                return None;
            }
            self.own_setting(&Target::Global, key).map(|s| Setting {
                inherited: true,
                ..s
            })
        })
    }

    /// Every assignment of `key` in `target`'s own sections (duplicates included).
    pub fn all_own_settings<'a>(
        &'a self,
        target: &Target,
        key: &'a str,
    ) -> impl Iterator<Item = Setting<'a>> + 'a {
        self.statements_of(target)
            .filter_map(move |stmt| match stmt.assigned() {
                Some((name, value)) if name == key => Some(Setting {
                    statement: stmt,
                    value,
                    inherited: false,
                }),
                _ => None,
            })
    }

    /// Names of every VirtualHost, in order, without duplicates.
    pub fn virtual_hosts(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for s in &self.sections {
            if let SectionKind::VirtualHost(n) = &s.kind
                && !out.contains(&n.as_str())
            {
                out.push(n);
            }
        }
        out
    }

    /// The module of `Component "name" "module"`, if declared.
    pub fn component_module(&self, name: &str) -> Option<Option<&str>> {
        self.sections.iter().find_map(|s| match &s.kind {
            SectionKind::Component { name: n, module } if n == name => Some(module.as_deref()),
            _ => None,
        })
    }

    /// Byte offset of the end of `target`'s first section: after its last statement and the
    /// indented comment lines that follow it directly (they describe the block).
    pub fn section_end(&self, section: &Section) -> usize {
        let src = self.source();
        let statements = self.doc.statements();
        let last = section
            .body
            .clone()
            .last()
            .or(section.header)
            .map_or(0, |i| statements[i].span.end);
        let mut end = self.doc.after_line_between_statements(last);
        // Swallow directly following indented comment lines (no blank line in between).
        loop {
            let line_end = text::line_content_end(src, end);
            let line = &src[end..line_end];
            let trimmed = line.trim_start();
            if end < src.len() && trimmed.starts_with("--") && trimmed.len() < line.len() {
                end = self.doc.after_line(end);
            } else {
                return end;
            }
        }
    }

    /// The indentation of the options inside `section` (its first indented statement), else
    /// one step of the file's indentation.
    pub fn body_indent(&self, section: &Section) -> String {
        let src = self.source();
        self.doc.statements()[section.body.clone()]
            .iter()
            .find(|s| text::starts_line(src, s.span.start))
            .map(|s| text::indent_of_line(src, s.span.start).to_string())
            .filter(|i| !i.is_empty())
            .unwrap_or_else(|| self.doc.indent_unit())
    }

    /// Source range covered by a section (header line to the start of the next header).
    pub fn section_range(&self, section: &Section) -> Range<usize> {
        let statements = self.doc.statements();
        let start = section.header.map_or(0, |h| statements[h].span.start);
        let next = self
            .sections
            .iter()
            .filter_map(|s| s.header)
            .find(|&h| section.header.is_none_or(|own| h > own))
            .map_or(self.source().len(), |h| statements[h].span.start);
        start..next
    }
}

/// The table assigned to `modules_enabled` (or another list option), if it is a literal table.
pub fn table_of<'a>(setting: &Setting<'a>) -> Option<&'a Table> {
    setting.value.as_table()
}

/// True when the list option's table holds the string `name`.
pub fn table_has(table: &Table, name: &str) -> bool {
    table.string_position(name).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC: &str = "plugin_paths = { \"/p\" }\nauthentication = \"internal_hashed\"\n\
        VirtualHost \"a.org\"\n    app_id = \"x\"\n    -- note\n\nComponent \"conference.a.org\" \"muc\"\n\
        \x20   modules_enabled = { \"m\" }\nVirtualHost \"a.org\"\n    app_id = \"y\"\n";

    #[test]
    fn sections_accumulate_and_fall_back_to_global() {
        let cfg = ProsodyConfig::parse(SRC).unwrap();
        let host = Target::Host("a.org".into());
        let app_id = cfg.setting(&host, "app_id").unwrap();
        assert_eq!(app_id.value.as_string().unwrap().to_string_lossy(), "y");
        let auth = cfg.setting(&host, "authentication").unwrap();
        assert!(auth.inherited);
        assert_eq!(cfg.virtual_hosts(), vec!["a.org"]);
        assert_eq!(cfg.component_module("conference.a.org"), Some(Some("muc")));
        let muc = Target::Component("conference.a.org".into());
        let modules = cfg.own_setting(&muc, "modules_enabled").unwrap();
        assert!(table_has(table_of(&modules).unwrap(), "m"));
    }

    /// Regression (issue 6, found by tests/secrets.rs): a syntax error on the app_secret line
    /// printed the secret in the error message.
    #[test]
    fn a_syntax_error_on_a_secret_line_does_not_show_the_secret() {
        let src = "VirtualHost \"h\"\n    app_secret = = \"hunter2-secret\"\n";
        let e = ProsodyConfig::parse(src).unwrap_err();
        assert!(!e.source_line.contains("hunter2"), "{}", e.source_line);
        assert_eq!(
            e.source_line.chars().count(),
            "    app_secret = = \"hunter2-secret\"".chars().count()
        );
        assert!(e.render("f").contains("app_secret = = ****"));
        let other = ProsodyConfig::parse("x = = \"visible\"\n").unwrap_err();
        assert!(other.source_line.contains("visible"));
    }

    #[test]
    fn section_end_keeps_the_block_comment() {
        let cfg = ProsodyConfig::parse(SRC).unwrap();
        let first = cfg
            .sections_of(&Target::Host("a.org".into()))
            .next()
            .unwrap();
        let end = cfg.section_end(first);
        assert!(SRC[..end].ends_with("-- note\n"), "{:?}", &SRC[..end]);
    }
}
