//! Where `token` gets a host's Prosody options from: the host's Prosody file, read with the same
//! Prosody reader install and check use ([`crate::jitsi::prosody`]), so the verdict uses the
//! options the server uses: the host's own value, else the global one.

use std::collections::HashMap;
use std::path::Path;

use crate::cli::TargetArgs;
use crate::document::lua::{Value, ValueKind};
use crate::failure::Failure;
use crate::input;
use crate::jitsi::layout::Role;
use crate::jitsi::prosody::{ProsodyConfig, Target};
use crate::settings::Host;
use crate::system::fs;

use super::options::SettingValue;

/// Reads the effective Prosody options of the Jitsi host under `root` (found as install finds it
/// when `hostname` is `None`). Returns the domain and its options; exit 2 when nothing fits.
pub fn load_host_settings(
    root: &Path,
    hostname: Option<&str>,
) -> Result<(String, HashMap<String, SettingValue>), Failure> {
    let host = Host::resolve(&TargetArgs {
        root: root.to_path_buf(),
        hostname: hostname.map(str::to_string),
    })?;
    let rel = host.files.path(Role::Prosody);
    let shown = host.root.display(rel);
    let real = host.root.resolve(rel).map_err(Failure::input)?;
    let (text, _) = fs::read_text(&real).map_err(|e| {
        input!("cannot read the Prosody host file {shown}: {e:#}; pass --root or --hostname")
    })?;
    let cfg = ProsodyConfig::parse(&text).map_err(|e| input!("{}", e.render(&shown)))?;
    let domain = host.hostname().to_string();
    let target = Target::Host(domain.clone());
    if !cfg.has(&target) {
        return Err(input!("{shown} has no `VirtualHost \"{domain}\"` section"));
    }
    let mut effective = HashMap::new();
    for t in [Target::Global, target] {
        for stmt in cfg.statements_of(&t) {
            if let Some((key, value)) = stmt.assigned()
                && let Some(v) = setting_value(value)
            {
                effective.insert(key.to_string(), v);
            }
        }
    }
    Ok((domain, effective))
}

/// The token rules' view of a Lua value; `None` for what they never read (expressions, nil).
fn setting_value(value: &Value) -> Option<SettingValue> {
    match &value.kind {
        ValueKind::String(s) => Some(SettingValue::Str(s.to_string_lossy())),
        ValueKind::Bool(b) => Some(SettingValue::Bool(*b)),
        ValueKind::Number(n) => n.parse().ok().map(SettingValue::Number),
        ValueKind::Table(t) => Some(SettingValue::List(
            t.strings().map(|(_, s)| s.to_string_lossy()).collect(),
        )),
        ValueKind::Nil | ValueKind::Other => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_values_override_global_ones() {
        let dir = tempfile::tempdir().unwrap();
        let avail = dir.path().join("etc/prosody/conf.avail");
        std::fs::create_dir_all(&avail).unwrap();
        std::fs::write(
            avail.join("h.org.cfg.lua"),
            "app_id = \"global\"\nasap_accepted_audiences = { \"a\"; \"b\" }\n\
             VirtualHost \"h.org\"\n  app_id = \"own\"\n  allow_empty_token = true\n  n = 0x10\n",
        )
        .unwrap();
        let (domain, s) = load_host_settings(dir.path(), Some("h.org")).unwrap();
        assert_eq!(domain, "h.org");
        assert_eq!(s["app_id"], SettingValue::Str("own".into()));
        assert_eq!(s["allow_empty_token"], SettingValue::Bool(true));
        assert_eq!(
            s["asap_accepted_audiences"],
            SettingValue::List(vec!["a".into(), "b".into()])
        );
    }
}
