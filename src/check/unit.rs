//! Checking one unit: read its files, parse them with the project's lossless readers, decide
//! the main host, run every rule, and place the diagnostics in their files.

use std::ops::Range;

use super::discover::{HostHint, Unit, UnitFile};
use super::finding::{self, Finding};
use crate::document::{SyntaxError, hocon, properties};
use crate::jitsi::meet::MeetConfig;
use crate::jitsi::prosody::{ProsodyConfig, Target};
use crate::jitsi::requirements::{self as req, Blocks};
use crate::rules::{self, Context, Diagnostic, FileKind};

/// What checking a unit produced.
#[derive(Debug, Default)]
pub struct Checked {
    pub findings: Vec<Finding>,
    /// How many files were read (shared files counted once).
    pub files_checked: usize,
    /// Files that could not be read.
    pub errors: Vec<String>,
}

/// One file, read and parsed (or not).
struct Loaded<'a> {
    file: &'a UnitFile,
    source: String,
}

pub fn check(unit: &Unit) -> Checked {
    let mut out = Checked::default();
    let mut loaded: Vec<Loaded> = Vec::new();
    for file in &unit.files {
        match read(&file.path) {
            Ok(source) => {
                out.files_checked += usize::from(file.counted);
                loaded.push(Loaded { file, source });
            }
            Err(e) => out.errors.push(format!("cannot read {}: {e}", file.shown)),
        }
    }
    let source_of = |kind: FileKind| loaded.iter().find(|l| l.file.kind == kind);

    let mut syntax: Vec<(FileKind, SyntaxError)> = Vec::new();
    let mut parse = |kind: FileKind, result: Result<(), SyntaxError>| {
        if let Err(e) = result {
            syntax.push((kind, e));
        }
    };
    let mut prosody = None;
    let mut meet = None;
    let mut jicofo = None;
    if let Some(l) = source_of(FileKind::Prosody) {
        parse(
            FileKind::Prosody,
            ProsodyConfig::parse(&l.source).map(|c| prosody = Some(c)),
        );
    }
    if let Some(l) = source_of(FileKind::Meet) {
        parse(
            FileKind::Meet,
            MeetConfig::parse(&l.source).map(|c| meet = Some(c)),
        );
    }
    if let Some(l) = source_of(FileKind::Jicofo) {
        parse(
            FileKind::Jicofo,
            hocon::parse(&l.source).map(|d| jicofo = Some(d)),
        );
    }
    let sip = source_of(FileKind::Sip).map(|l| properties::parse(&l.source));

    let host = match &unit.host {
        HostHint::Known(h) => Some(h.clone()),
        HostHint::Detect => detect_host(
            prosody.as_ref(),
            meet.as_ref(),
            source_of(FileKind::Prosody).map(|l| l.file.path.as_path()),
        ),
        HostHint::None => None,
    };
    let empty_meet;
    let blocks = match (&host, &prosody) {
        (Some(h), Some(cfg)) => {
            let meet_for_blocks = match &meet {
                Some(m) => m,
                None => {
                    empty_meet = MeetConfig::parse("").expect("an empty script parses");
                    &empty_meet
                }
            };
            Some(Blocks::resolve(h, cfg, meet_for_blocks))
        }
        _ => None,
    };
    let cx = Context {
        host: host.as_deref(),
        prosody: prosody.as_ref(),
        meet: meet.as_ref(),
        jicofo: jicofo.as_ref(),
        sip: sip.as_ref(),
        blocks: blocks.as_ref(),
        live: unit.live.as_ref(),
        whole_set: unit.whole_set,
    };
    let mut diags: Vec<Diagnostic> = if matches!(unit.host, HostHint::None) {
        // Not a host's file: syntax and the checks that need no host.
        let mut d = Vec::new();
        rules::jt114_module_listed_twice::check(&cx, &mut d);
        d
    } else {
        rules::check(&cx)
    };
    diags.extend(syntax.iter().map(|(kind, e)| rules::syntax(*kind, e)));

    let secrets: Vec<Range<usize>> = prosody
        .as_ref()
        .map(finding::prosody_secrets)
        .unwrap_or_default();
    for diag in diags {
        let Some(l) = source_of(diag.file) else {
            continue;
        };
        let masked: &[Range<usize>] = if diag.file == FileKind::Prosody {
            &secrets
        } else {
            &[]
        };
        out.findings
            .push(Finding::new(diag, &l.file.shown, &l.source, masked));
    }
    out
}

/// Reads a file as UTF-8 text; a file that is not is an error naming the first bad byte.
fn read(path: &std::path::Path) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let text = String::from_utf8_lossy(&e.as_bytes()[..at]).into_owned();
        let (line, column) = crate::document::text::line_col(&text, at);
        format!("line {line}, column {column}: not UTF-8 text; is this the right file?")
    })
}

/// The main domain of a set that does not name it: config.js's `hosts.domain` when Prosody has
/// that VirtualHost, else the VirtualHost named like the file (`HOST.cfg.lua`), else the first
/// VirtualHost that has a conference MUC component, else config.js's domain anyway.
fn detect_host(
    prosody: Option<&ProsodyConfig>,
    meet: Option<&MeetConfig>,
    prosody_path: Option<&std::path::Path>,
) -> Option<String> {
    let domain = meet.and_then(|m| m.hosts_str("domain"));
    let Some(cfg) = prosody else {
        return domain.map(str::to_string);
    };
    let is_host = |h: &str| cfg.has(&Target::Host(h.to_string()));
    if let Some(d) = domain.filter(|d| is_host(d)) {
        return Some(d.to_string());
    }
    let stem = prosody_path
        .and_then(|p| p.file_name()?.to_str()?.strip_suffix(".cfg.lua"))
        .filter(|s| is_host(s));
    if let Some(s) = stem {
        return Some(s.to_string());
    }
    cfg.virtual_hosts()
        .into_iter()
        .find(|h| {
            req::MUC_PREFIXES.iter().any(|p| {
                cfg.component_module(&format!("{p}{h}"))
                    .is_some_and(|m| m == Some("muc"))
            })
        })
        .map(str::to_string)
        .or_else(|| domain.map(str::to_string))
}
