//! `jitsi-tokens uninstall`: revert exactly what install changed, as recorded in the state file,
//! and nothing else.
//!
//! Each recorded change is reverted only while the file still holds what install wrote there;
//! anything the admin changed afterwards is left alone and reported. Like install, the plan is
//! pure text-in/text-out and the same apply step (backup, atomic write, validation, restart,
//! rollback) writes it.

use std::io::Write;

use crate::apply::{self, Applied};
use crate::cli::{OutputFormat, UninstallArgs};
use crate::document::{Patch, text};
use crate::failure::Failure;
use crate::jitsi::layout::{HostFiles, Role};
use crate::jitsi::meet::{HostsEntry, MeetConfig};
use crate::jitsi::prosody::Target;
use crate::jitsi::requirements::{self as req, JICOFO_AUTH_ENABLED};
use crate::plan::{self, Before, FilePlan, Names, Parsed, Plan, Record, RecordKind, Sources};
use crate::state::State;
use crate::system::Env;
use crate::system::fs::Root;

/// The planned revert: new texts, and what was left alone.
#[derive(Debug)]
pub struct Revert {
    pub files: Vec<FilePlan>,
    /// Sentences for changes not reverted (edited since install, or already gone).
    pub kept: Vec<String>,
}

pub fn run_uninstall(args: &UninstallArgs, env: &mut Env) -> Result<u8, Failure> {
    let UninstallArgs {
        target,
        dry_run,
        no_restart,
        format,
    } = args;
    let root = Root::new(&target.root).map_err(Failure::input)?;
    let _lock = if *dry_run {
        None
    } else {
        Some(crate::install::lock(&root, env)?)
    };
    let Some(state) = State::load(&root).map_err(Failure::input)? else {
        let _ = writeln!(
            env.stdout,
            "nothing to uninstall: {} does not exist (install never ran here, or uninstall already did)",
            State::path(&root).display()
        );
        return Ok(0);
    };
    if let Some(h) = &target.hostname
        && *h != state.hostname
    {
        return Err(crate::input!(
            "install configured {}, not {h}; run uninstall without --hostname",
            state.hostname
        ));
    }
    let mut files = HostFiles::debian(&state.hostname);
    for role in HostFiles::ROLES {
        match role {
            Role::Prosody => files.prosody = state.file(role).to_path_buf(),
            Role::Meet => files.meet = state.file(role).to_path_buf(),
            Role::Jicofo => files.jicofo = state.file(role).to_path_buf(),
        }
    }
    let loaded = apply::load(&root, &files)?;
    let parsed = plan::parse_all(&loaded.sources, &loaded.names)?;
    let revert = plan_uninstall(&state, &parsed, &loaded.names)?;
    let mut out = String::new();
    let changed = revert.files.iter().any(FilePlan::changed);
    if *dry_run {
        for f in revert.files.iter().filter(|f| f.changed()) {
            out.push_str(&plan::diff(f, loaded.names.of(f.role), &[]));
        }
    }
    let mut applied = Applied::default();
    if !*dry_run {
        let plan = Plan {
            blocks: req::Blocks::resolve(&state.hostname, &parsed.prosody, &parsed.meet),
            files: revert.files.clone(),
            notes: Vec::new(),
        };
        let mut restarter = env.restarter(&root, *no_restart);
        // Uninstall only needs the files to stay valid for their programs.
        let validate = |sources: &Sources| -> Result<Vec<String>, Failure> {
            plan::parse_all(sources, &loaded.names).map(|_| Vec::new())
        };
        applied = apply::apply_revert(&root, &loaded, &plan, &validate, &mut restarter)?;
        State::remove(&root).map_err(Failure::failed)?;
    }
    crate::report::uninstall(
        &mut out,
        &state.hostname,
        &revert,
        &loaded.names,
        &applied,
        *dry_run,
        changed,
    );
    let text = match format {
        OutputFormat::Human => out,
        OutputFormat::Json => format!(
            "{}\n",
            serde_json::json!({
                "changed": changed,
                "dry_run": dry_run,
                "files": revert.files.iter().map(|f| serde_json::json!({
                    "path": loaded.names.of(f.role),
                    "changed": f.changed(),
                    "changes": f.changes.iter().map(|c| &c.summary).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
                "kept": revert.kept,
                "restarted": applied.restarted,
            })
        ),
    };
    let _ = env.stdout.write_all(text.as_bytes());
    Ok(0)
}

/// The target a recorded block names (`VirtualHost "x"` / `Component "x"`).
fn target_of(block: &str) -> Option<Target> {
    let (kind, name) = block.split_once(' ')?;
    let name = name.trim_matches('"').to_string();
    match kind {
        "VirtualHost" => Some(Target::Host(name)),
        "Component" => Some(Target::Component(name)),
        _ => None,
    }
}

/// Removes the whole line holding `span` when nothing else but whitespace and a comment shares
/// it, else `span` with the spaces before it (install put exactly one there).
fn remove_line_or_span(src: &str, span: std::ops::Range<usize>, patch: &mut Patch) {
    let start = text::line_start(src, span.start);
    let end = text::line_content_end(src, span.end);
    let rest = src[span.end..end].trim();
    if text::starts_line(src, span.start)
        && (rest.is_empty() || rest.starts_with("--") || rest.starts_with("//"))
    {
        patch.replace(start..text::next_line_start(src, span.end), "");
    } else {
        let before = src[..span.start].trim_end_matches([' ', '\t']).len();
        patch.replace(before..span.end, "");
    }
}

/// Joins removals whose ranges overlap into one. Lines install appended at the end of a file
/// without a final line break each carry the break before them, so two reverted neighbours
/// claim the same break (a modules_enabled list and the guest VirtualHost after it). Removing
/// both is removing their union; edits that write text must still not overlap.
fn merge_removals(patch: &Patch) -> Patch {
    let is_removal = |e: &&crate::document::Edit| e.text.is_empty() && !e.range.is_empty();
    let mut removals: Vec<std::ops::Range<usize>> = patch
        .edits()
        .iter()
        .filter(is_removal)
        .map(|e| e.range.clone())
        .collect();
    removals.sort_by_key(|r| r.start);
    let mut merged: Vec<std::ops::Range<usize>> = Vec::new();
    for r in removals {
        match merged.last_mut() {
            Some(last) if r.start < last.end => last.end = last.end.max(r.end),
            _ => merged.push(r),
        }
    }
    let mut out = Patch::new();
    for e in patch.edits().iter().filter(|e| !is_removal(e)) {
        out.replace(e.range.clone(), e.text.clone());
    }
    for r in merged {
        out.replace(r, "");
    }
    out
}

/// Plans the revert of every recorded change that is still as install left it.
pub fn plan_uninstall(state: &State, parsed: &Parsed, names: &Names) -> Result<Revert, Failure> {
    let mut patches = [Patch::new(), Patch::new(), Patch::new()];
    let mut changes: [Vec<plan::Change>; 3] = Default::default();
    let mut kept = Vec::new();
    let cfg = &parsed.prosody;
    let src = cfg.source();
    let done = |r: &Record, what: &str| plan::Change {
        summary: match &r.block {
            Some(b) => format!("{b}: {what}"),
            None => what.to_string(),
        },
        record: r.clone(),
    };
    let mut keep = |r: &Record, why: &str| {
        kept.push(match &r.block {
            Some(b) => format!("{b}: {} ({why})", r.key),
            None => format!("{} ({why})", r.key),
        })
    };

    // A modules_enabled statement install created goes as a whole when it holds only what
    // install added.
    let mut whole_tables: Vec<(Target, std::ops::Range<usize>)> = Vec::new();
    for r in state.records.iter().filter(|r| {
        r.kind == RecordKind::Setting && r.key == req::MODULES_ENABLED && r.before == Before::Absent
    }) {
        let Some(target) = r.block.as_deref().and_then(target_of) else {
            continue;
        };
        let Some(setting) = cfg.own_setting(&target, req::MODULES_ENABLED) else {
            continue;
        };
        let ours: Vec<&str> = state
            .records
            .iter()
            .filter(|m| {
                m.kind == RecordKind::Module && m.block == r.block && m.before == Before::Absent
            })
            .map(|m| m.key.as_str())
            .collect();
        let only_ours = setting.value.as_table().is_some_and(|t| {
            t.strings()
                .filter(|(_, s)| ours.iter().any(|o| s.eq_str(o)))
                .count()
                == t.items.len()
        });
        if only_ours {
            let span = setting.statement.span.clone();
            let start = text::line_start(src, span.start);
            patches[0].replace(start..cfg.doc.after_line(span.end), "");
            changes[0].push(done(r, "removed the modules_enabled list install added"));
            whole_tables.push((target, span));
        }
    }

    // Items to remove, grouped by table so a trailing run goes back exactly as it was added.
    let mut removals: Vec<(&crate::document::lua::Table, Vec<usize>)> = Vec::new();
    for r in &state.records {
        match (r.file, r.kind) {
            (Role::Prosody, RecordKind::Setting) if r.key == req::MODULES_ENABLED => {}
            (Role::Prosody, RecordKind::Setting) => {
                let Some(target) = r.block.as_deref().and_then(target_of) else {
                    continue;
                };
                let Some(setting) = cfg.own_setting(&target, &r.key) else {
                    keep(r, "no longer set");
                    continue;
                };
                let current = &src[setting.value.span.clone()];
                if !state.still_ours(r, current) {
                    keep(r, "changed since install");
                    continue;
                }
                let shown = |t: &str| {
                    if req::SECRET_OPTIONS.contains(&r.key.as_str()) {
                        crate::secret::MASK.to_string()
                    } else {
                        t.to_string()
                    }
                };
                match &r.before {
                    Before::Value(old) => {
                        patches[0].replace(setting.value.span.clone(), old.as_str());
                        changes[0].push(done(r, &format!("{} = {} again", r.key, shown(old))));
                    }
                    Before::Comment(c) => {
                        patches[0].replace(setting.statement.span.clone(), c.as_str());
                        changes[0].push(done(
                            r,
                            &format!("{} commented out again ({})", r.key, shown(c)),
                        ));
                    }
                    Before::Absent => {
                        remove_line_or_span(src, setting.statement.span.clone(), &mut patches[0]);
                        changes[0].push(done(r, &format!("removed {}", r.key)));
                    }
                }
            }
            (Role::Prosody, RecordKind::Module) => {
                let Some(target) = r.block.as_deref().and_then(target_of) else {
                    continue;
                };
                if whole_tables.iter().any(|(t, _)| *t == target) {
                    continue;
                }
                let table = cfg
                    .own_setting(&target, req::MODULES_ENABLED)
                    .and_then(|s| s.value.as_table());
                let found = table.and_then(|t| t.string_position(&r.key).map(|i| (t, i)));
                let Some((table, index)) = found else {
                    keep(r, "no longer enabled");
                    continue;
                };
                match &r.before {
                    Before::Comment(c) => {
                        let item = &table.items[index];
                        let end = item.separator.as_ref().map_or(item.span.end, |s| s.end);
                        patches[0].replace(item.span.start..end, c.as_str());
                        changes[0]
                            .push(done(r, &format!("module {:?} commented out again", r.key)));
                    }
                    _ => {
                        match removals.iter_mut().find(|(t, _)| std::ptr::eq(*t, table)) {
                            Some((_, indices)) => indices.push(index),
                            None => removals.push((table, vec![index])),
                        }
                        changes[0].push(done(r, &format!("removed module {:?}", r.key)));
                    }
                }
            }
            (Role::Prosody, RecordKind::GuestHost) => match src.matches(r.after.as_str()).count() {
                1 => {
                    let at = src.find(r.after.as_str()).expect("found once");
                    patches[0].replace(at..at + r.after.len(), "");
                    changes[0].push(done(r, &format!("removed VirtualHost {:?}", r.key)));
                }
                _ => keep(r, "the guest VirtualHost changed since install"),
            },
            (Role::Meet, RecordKind::AnonymousDomain) => {
                revert_meet(
                    &parsed.meet,
                    state,
                    r,
                    &mut patches[1],
                    &mut changes[1],
                    &mut keep,
                );
            }
            (Role::Jicofo, RecordKind::JicofoAuthentication) if r.before == Before::Absent => {
                let src = parsed.jicofo.source();
                match src.matches(r.after.as_str()).count() {
                    1 => {
                        let at = src.find(r.after.as_str()).expect("found once");
                        patches[2].replace(at..at + r.after.len(), "");
                        changes[2].push(done(r, &format!("removed the {} override", r.key)));
                    }
                    _ => keep(r, "the override changed since install"),
                }
            }
            (Role::Jicofo, RecordKind::JicofoAuthentication) => {
                let doc = &parsed.jicofo;
                match doc.effective(JICOFO_AUTH_ENABLED) {
                    Some(field) if state.still_ours(r, &doc.source()[field.value.span.clone()]) => {
                        if let Before::Value(old) = &r.before {
                            patches[2].replace(field.value.span.clone(), old.as_str());
                            changes[2].push(done(r, &format!("{} = {old} again", r.key)));
                        }
                    }
                    _ => keep(r, "changed since install"),
                }
            }
            _ => keep(r, "not a change this version knows how to revert"),
        }
    }

    for (table, indices) in &removals {
        patches[0].extend(cfg.doc.remove_table_items(table, indices));
    }
    let sources = [cfg.source(), parsed.meet.source(), parsed.jicofo.source()];
    let mut files = Vec::new();
    for (i, role) in HostFiles::ROLES.into_iter().enumerate() {
        let mut after = merge_removals(&patches[i])
            .apply(sources[i])
            .map_err(Failure::failed)?;
        // Lines install appended to a file without a final line break went after a break it
        // added; with them gone, so goes that break (install never removes a final one).
        if !sources[i].ends_with('\n') && after.ends_with('\n') {
            after.pop();
            if after.ends_with('\r') {
                after.pop();
            }
        }
        files.push(FilePlan {
            role,
            before: sources[i].to_string(),
            after,
            changes: std::mem::take(&mut changes[i]),
        });
    }
    // The reverted texts must still be valid files.
    let check = Sources {
        prosody: files[0].after.clone(),
        meet: files[1].after.clone(),
        jicofo: files[2].after.clone(),
    };
    plan::parse_planned(&check, names, "planned revert")?;
    Ok(Revert { files, kept })
}

fn revert_meet(
    meet: &MeetConfig,
    state: &State,
    r: &Record,
    patch: &mut Patch,
    changes: &mut Vec<plan::Change>,
    keep: &mut impl FnMut(&Record, &str),
) {
    let src = meet.source();
    let Some(entry) = meet.hosts_entry(&r.key) else {
        keep(r, "no longer set");
        return;
    };
    if !state.still_ours(r, &src[entry.value().span.clone()]) {
        keep(r, "changed since install");
        return;
    }
    let done = |what: String| plan::Change {
        summary: what,
        record: r.clone(),
    };
    match (&r.before, entry) {
        (Before::Value(old), _) => {
            patch.replace(entry.value().span.clone(), old.as_str());
            changes.push(done(format!("hosts.{} = {old} again", r.key)));
        }
        (Before::Comment(c), HostsEntry::Property(p)) => {
            let end = p.comma.as_ref().map_or(p.span.end, |c| c.end);
            patch.replace(p.span.start..end, c.as_str());
            changes.push(done(format!("hosts.{} commented out again", r.key)));
        }
        (_, HostsEntry::Property(p)) => {
            let end = p.comma.as_ref().map_or(p.span.end, |c| c.end);
            remove_line_or_span(src, p.span.start..end, patch);
            // A last property without a comma means install added the comma before it.
            if let Some(hosts) = meet.hosts_object()
                && p.comma.is_none()
                && hosts
                    .properties
                    .last()
                    .is_some_and(|last| std::ptr::eq(last, p))
                && let [.., prev, _] = hosts.properties.as_slice()
                && let Some(comma) = &prev.comma
            {
                patch.replace(comma.clone(), "");
            }
            changes.push(done(format!("removed hosts.{}", r.key)));
        }
        (_, HostsEntry::Statement(a)) => {
            remove_line_or_span(src, a.statement.clone(), patch);
            changes.push(done(format!("removed config.hosts.{}", r.key)));
        }
    }
}
