//! Where `token` gets a host's Prosody options from: ONE function, [`load_host_settings`].
//!
//! **Placeholder.** This is a deliberately minimal line-based reader of
//! `<root>/etc/prosody/conf.avail/HOST.cfg.lua`, to be replaced by the project's real Lua layer
//! (the Prosody reader) without touching the token rules. It understands only:
//! - `VirtualHost "HOST"` / `Component "..."` lines that open a section;
//! - `key = "value"`, `key = 'value'`, `key = true|false`, `key = 123` and one-line
//!   `key = { "a", "b" }` lists, with an optional `;` and trailing `-- comment`.
//!
//! Lines before the first section are global options; a host's effective option is its own value,
//! else the global one (Prosody's rule). Everything else (multi-line values, `Include`,
//! concatenation, `prosody.cfg.lua` itself) is ignored, so a real config may be misread: the
//! replacement will read it losslessly.

use std::collections::HashMap;
use std::path::Path;

use crate::failure::Failure;
use crate::input;

use super::options::SettingValue;

/// Reads the effective Prosody options of the Jitsi host under `root`.
///
/// With `hostname` it reads that host's file; without, it takes the one host that has both
/// `etc/jitsi/meet/HOST-config.js` and `etc/prosody/conf.avail/HOST.cfg.lua`, else the only
/// `conf.avail/*.cfg.lua`. Returns the domain and its options (exit 2 when nothing fits).
pub fn load_host_settings(
    root: &Path,
    hostname: Option<&str>,
) -> Result<(String, HashMap<String, SettingValue>), Failure> {
    let avail = root.join("etc/prosody/conf.avail");
    let domain = match hostname {
        Some(h) => h.to_string(),
        None => detect_host(root, &avail)?,
    };
    let path = avail.join(format!("{domain}.cfg.lua"));
    let text = std::fs::read_to_string(&path).map_err(|e| {
        input!(
            "cannot read the Prosody host file {}: {e}; pass --root or --hostname",
            path.display()
        )
    })?;
    let settings = parse_host(&text, &domain);
    if !settings.host_found {
        return Err(input!(
            "{} has no `VirtualHost \"{domain}\"` section",
            path.display()
        ));
    }
    let mut effective = settings.global;
    effective.extend(settings.host);
    Ok((domain, effective))
}

fn detect_host(root: &Path, avail: &Path) -> Result<String, Failure> {
    let mut candidates: Vec<String> = std::fs::read_dir(avail)
        .map_err(|e| {
            input!(
                "cannot list {}: {e}; pass --root DIR or --hostname HOST",
                avail.display()
            )
        })?
        .filter_map(|entry| entry.ok())
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            name.strip_suffix(".cfg.lua").map(str::to_string)
        })
        .collect();
    candidates.sort();
    let with_meet: Vec<&String> = candidates
        .iter()
        .filter(|h| root.join(format!("etc/jitsi/meet/{h}-config.js")).is_file())
        .collect();
    match (with_meet.as_slice(), candidates.as_slice()) {
        ([one], _) => Ok((*one).clone()),
        ([], [one]) => Ok(one.clone()),
        _ => Err(input!(
            "cannot tell which host to use under {} (found: {}); pass --hostname HOST",
            avail.display(),
            if candidates.is_empty() {
                "none".to_string()
            } else {
                candidates.join(", ")
            }
        )),
    }
}

struct HostFile {
    global: HashMap<String, SettingValue>,
    host: HashMap<String, SettingValue>,
    host_found: bool,
}

#[derive(PartialEq)]
enum Section {
    Global,
    Ours,
    Other,
}

fn parse_host(text: &str, domain: &str) -> HostFile {
    let mut file = HostFile {
        global: HashMap::new(),
        host: HashMap::new(),
        host_found: false,
    };
    let mut section = Section::Global;
    for raw in text.lines() {
        let line = strip_comment(raw).trim();
        if let Some(rest) = line.strip_prefix("VirtualHost") {
            let name = first_string(rest);
            section = if name.as_deref() == Some(domain) {
                file.host_found = true;
                Section::Ours
            } else {
                Section::Other
            };
            continue;
        }
        if line.starts_with("Component") {
            section = Section::Other;
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim();
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        let Some(value) = parse_value(value.trim().trim_end_matches(';').trim()) else {
            continue;
        };
        match section {
            Section::Global => file.global.insert(key.to_string(), value),
            Section::Ours => file.host.insert(key.to_string(), value),
            Section::Other => None,
        };
    }
    file
}

/// Drops a `--` comment that is not inside a quoted string.
fn strip_comment(line: &str) -> &str {
    let mut quote = None;
    let bytes = line.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'"' || b == b'\'' => quote = Some(b),
            None if b == b'-' && bytes.get(i + 1) == Some(&b'-') => return &line[..i],
            None => {}
        }
    }
    line
}

fn first_string(text: &str) -> Option<String> {
    let text = text.trim();
    let quote = text.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let rest = &text[1..];
    rest.find(quote).map(|end| rest[..end].to_string())
}

fn parse_value(value: &str) -> Option<SettingValue> {
    match value {
        "true" => return Some(SettingValue::Bool(true)),
        "false" => return Some(SettingValue::Bool(false)),
        _ => {}
    }
    if let Some(inner) = value.strip_prefix('{').and_then(|v| v.strip_suffix('}')) {
        let items = inner
            .split([',', ';'])
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(|item| first_string(item).filter(|s| s.len() + 2 == item.len()))
            .collect::<Option<Vec<String>>>()?;
        return Some(SettingValue::List(items));
    }
    if let Some(s) = first_string(value).filter(|s| s.len() + 2 == value.len()) {
        return Some(SettingValue::Str(s));
    }
    value.parse::<f64>().ok().map(SettingValue::Number)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"
plugin_paths = { "/usr/share/jitsi-meet/prosody-plugins/" }
muc_mapper_domain_base = "meet.example.org"; -- global
VirtualHost "meet.example.org"
    authentication = "token" -- tokens
    app_id = "myapp"
    app_secret = 'se--cret'
    allow_empty_token = false
    asap_accepted_audiences = { "jitsi", 'other' }
Component "conference.meet.example.org" "muc"
    app_id = "not-this-one"
VirtualHost "guest.meet.example.org"
    app_id = "nor-this"
"#;

    #[test]
    fn reads_host_and_global_options() {
        let file = parse_host(SAMPLE, "meet.example.org");
        assert!(file.host_found);
        assert_eq!(
            file.host.get("app_id"),
            Some(&SettingValue::Str("myapp".into()))
        );
        assert_eq!(
            file.host.get("app_secret"),
            Some(&SettingValue::Str("se--cret".into()))
        );
        assert_eq!(
            file.host.get("allow_empty_token"),
            Some(&SettingValue::Bool(false))
        );
        assert_eq!(
            file.host.get("asap_accepted_audiences"),
            Some(&SettingValue::List(vec!["jitsi".into(), "other".into()]))
        );
        assert_eq!(
            file.global.get("muc_mapper_domain_base"),
            Some(&SettingValue::Str("meet.example.org".into()))
        );
    }
}
