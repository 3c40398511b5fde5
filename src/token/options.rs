//! Every host option that decides whether Prosody accepts a token, with upstream defaults.
//!
//! [`VerifyOptions`] is the contract between the Prosody reader (which knows how a host's options
//! are spelled in its Lua config) and the token rules (which know what the options mean). The
//! reader hands over a `lookup` closure returning the host's effective option (the `VirtualHost`
//! value, else the global one) as a [`SettingValue`]; [`VerifyOptions::from_settings`] applies the
//! defaults of `Util.new` in jitsi-meet `resources/prosody-plugins/token/util.lib.lua` (commit
//! 3dbf5948a724ae1c1f2b35f6fc1e6942897113c5), lines 36-145.
//!
//! The secret is held in [`AppSecret`], which prints as `****` in `Debug` and `Display`.

use std::fmt;

/// A Prosody option value, as the Prosody reader found it.
#[derive(Debug, Clone, PartialEq)]
pub enum SettingValue {
    Str(String),
    Bool(bool),
    Number(f64),
    List(Vec<String>),
}

/// The application secret. Never printed: `Debug` and `Display` show `****`.
#[derive(Clone, PartialEq, Eq)]
pub struct AppSecret(String);

impl AppSecret {
    pub fn new(secret: impl Into<String>) -> Self {
        AppSecret(secret.into())
    }

    /// The secret itself, for signing and verifying only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for AppSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("****")
    }
}

impl fmt::Display for AppSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("****")
    }
}

/// The algorithms luajwtjitsi can verify (`alg_verify`, luajwtjitsi.lib.lua:47-54).
pub const SUPPORTED_ALGORITHMS: &[&str] = &["HS256", "HS384", "HS512", "RS256", "RS384", "RS512"];

/// What token verification needs to know about one Prosody host.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifyOptions {
    /// The `VirtualHost` name (the Jitsi Meet hostname).
    pub domain: String,
    /// `app_id` (util.lib.lua:39). Without it the token modules do not load (util.lib.lua:88-91).
    pub app_id: Option<String>,
    /// `app_secret` (util.lib.lua:40).
    pub app_secret: Option<AppSecret>,
    /// `asap_key_server` (util.lib.lua:41): public keys are fetched from here by `kid`.
    pub asap_key_server: Option<String>,
    /// `signature_algorithm` as configured (util.lib.lua:45).
    pub signature_algorithm_configured: Option<String>,
    /// The effective algorithm: the configured one, else RS256 with a key server, else HS256 with
    /// a secret (util.lib.lua:98-105).
    pub signature_algorithm: Option<String>,
    /// `allow_empty_token` (util.lib.lua:46), no default: absent means false.
    pub allow_empty_token: bool,
    /// `asap_accepted_issuers`, default `{ app_id }` (util.lib.lua:108).
    pub accepted_issuers: Vec<String>,
    /// `asap_accepted_audiences`, default `{ "*" }` (util.lib.lua:111).
    pub accepted_audiences: Vec<String>,
    /// `asap_require_room_claim`, default true (util.lib.lua:113).
    pub require_room_claim: bool,
    /// `enable_domain_verification`, default true (util.lib.lua:82).
    pub enable_domain_verification: bool,
    /// `muc_mapper_domain_prefix`, default "conference" (util.lib.lua:69-70).
    pub muc_domain_prefix: String,
    /// `muc_mapper_domain_base`, no default (util.lib.lua:73).
    pub muc_domain_base: Option<String>,
    /// `muc_mapper_domain`, default `prefix.base`, only set when a base is (util.lib.lua:75-79).
    pub muc_domain: Option<String>,
    /// `muc_mapper_domain` as configured, for the address a client joins (see [`Self::join_muc_domain`]).
    pub muc_mapper_domain_configured: Option<String>,
}

impl VerifyOptions {
    /// Applies the upstream defaults to the host's effective options.
    pub fn from_settings(domain: &str, lookup: &dyn Fn(&str) -> Option<SettingValue>) -> Self {
        let string = |name: &str| lookup(name).and_then(|v| option_string(&v));
        let boolean = |name: &str, default: bool| {
            lookup(name)
                .and_then(|v| option_boolean(&v))
                .unwrap_or(default)
        };
        let app_id = string("app_id");
        let app_secret = string("app_secret").map(AppSecret);
        let asap_key_server = string("asap_key_server");
        let signature_algorithm_configured = string("signature_algorithm");
        let signature_algorithm = signature_algorithm_configured.clone().or_else(|| {
            if asap_key_server.is_some() {
                Some("RS256".to_string())
            } else if app_secret.is_some() {
                Some("HS256".to_string())
            } else {
                None
            }
        });
        let accepted_issuers = lookup("asap_accepted_issuers")
            .map(|v| option_array(&v))
            .unwrap_or_else(|| app_id.iter().cloned().collect());
        let accepted_audiences = lookup("asap_accepted_audiences")
            .map(|v| option_array(&v))
            .unwrap_or_else(|| vec!["*".to_string()]);
        let muc_domain_prefix =
            string("muc_mapper_domain_prefix").unwrap_or_else(|| "conference".to_string());
        let muc_domain_base = string("muc_mapper_domain_base");
        let muc_mapper_domain_configured = string("muc_mapper_domain");
        let muc_domain = muc_domain_base.as_ref().map(|base| {
            muc_mapper_domain_configured
                .clone()
                .unwrap_or_else(|| format!("{muc_domain_prefix}.{base}"))
        });
        VerifyOptions {
            domain: domain.to_string(),
            app_id,
            app_secret,
            asap_key_server,
            signature_algorithm_configured,
            signature_algorithm,
            allow_empty_token: boolean("allow_empty_token", false),
            accepted_issuers,
            accepted_audiences,
            require_room_claim: boolean("asap_require_room_claim", true),
            enable_domain_verification: boolean("enable_domain_verification", true),
            muc_domain_prefix,
            muc_domain_base,
            muc_domain,
            muc_mapper_domain_configured,
        }
    }

    /// Why Prosody's token modules would not load on this host (`Util.new` returns nil, so
    /// `mod_auth_token` provides no authentication at all), or `None` when they load.
    pub fn not_loadable(&self) -> Option<String> {
        if self.app_id.is_none() {
            return Some(format!(
                "{} has no app_id: Prosody's token modules refuse to load ('app_id' must not be \
                 empty, util.lib.lua:88-91)",
                self.domain
            ));
        }
        if self.app_secret.is_none() && self.asap_key_server.is_none() {
            return Some(format!(
                "{} has neither app_secret nor asap_key_server: Prosody's token modules refuse to \
                 load (util.lib.lua:93-96)",
                self.domain
            ));
        }
        None
    }

    /// The MUC address a client joins. With a tenant, mod_muc_domain_mapper rewrites
    /// `room@conference.TENANT.HOST` into `[tenant]room@MUC` where MUC is `muc_mapper_domain`, else
    /// `prefix.base` with the base defaulting to the host (util.lib.lua (plugins root):12-18,
    /// 55-75). Without a tenant the client joins the `conference.HOST` component, which on a Debian
    /// install is the same address.
    pub fn join_muc_domain(&self) -> String {
        self.muc_mapper_domain_configured
            .clone()
            .unwrap_or_else(|| {
                let base = self.muc_domain_base.as_deref().unwrap_or(&self.domain);
                format!("{}.{}", self.muc_domain_prefix, base)
            })
    }
}

/// Prosody's `get_option_string`: a scalar as a string; a one-item list as its item.
fn option_string(value: &SettingValue) -> Option<String> {
    match value {
        SettingValue::Str(s) => Some(s.clone()),
        SettingValue::Number(n) => Some(lua_number_to_string(*n)),
        SettingValue::Bool(b) => Some(b.to_string()),
        SettingValue::List(items) if items.len() == 1 => Some(items[0].clone()),
        SettingValue::List(_) => None,
    }
}

/// Prosody's `get_option_boolean`: true/false, and the usual words for them; anything else falls
/// back to the default.
fn option_boolean(value: &SettingValue) -> Option<bool> {
    match value {
        SettingValue::Bool(b) => Some(*b),
        SettingValue::Number(n) => Some(*n != 0.0),
        SettingValue::Str(s) => match s.to_ascii_lowercase().as_str() {
            "true" | "yes" | "on" | "enable" | "enabled" | "1" => Some(true),
            "false" | "no" | "off" | "disable" | "disabled" | "0" => Some(false),
            _ => None,
        },
        SettingValue::List(_) => None,
    }
}

/// Prosody's `get_option_array`: a list as is; a scalar as a one-item list.
fn option_array(value: &SettingValue) -> Vec<String> {
    match value {
        SettingValue::List(items) => items.clone(),
        other => option_string(other).into_iter().collect(),
    }
}

/// How Lua prints a number: integers without a fraction.
pub fn lua_number_to_string(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn opts(pairs: &[(&str, SettingValue)]) -> VerifyOptions {
        let map: HashMap<String, SettingValue> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        VerifyOptions::from_settings("meet.example.org", &|k| map.get(k).cloned())
    }

    #[test]
    fn upstream_defaults() {
        let o = opts(&[
            ("app_id", SettingValue::Str("myapp".into())),
            ("app_secret", SettingValue::Str("s3cr3t".into())),
        ]);
        assert_eq!(o.signature_algorithm.as_deref(), Some("HS256"));
        assert_eq!(o.accepted_issuers, vec!["myapp"]);
        assert_eq!(o.accepted_audiences, vec!["*"]);
        assert!(o.require_room_claim);
        assert!(o.enable_domain_verification);
        assert!(!o.allow_empty_token);
        assert_eq!(o.muc_domain, None);
        assert_eq!(o.join_muc_domain(), "conference.meet.example.org");
        assert_eq!(o.not_loadable(), None);
    }

    #[test]
    fn key_server_wins_the_default_algorithm() {
        let o = opts(&[
            ("app_id", SettingValue::Str("myapp".into())),
            ("app_secret", SettingValue::Str("s".into())),
            ("asap_key_server", SettingValue::Str("https://keys".into())),
        ]);
        assert_eq!(o.signature_algorithm.as_deref(), Some("RS256"));
    }

    #[test]
    fn scalar_issuers_become_a_list_and_missing_app_id_is_reported() {
        let o = opts(&[
            ("asap_accepted_issuers", SettingValue::Str("other".into())),
            ("app_secret", SettingValue::Str("s".into())),
        ]);
        assert_eq!(o.accepted_issuers, vec!["other"]);
        assert!(o.not_loadable().unwrap().contains("app_id"));
    }

    #[test]
    fn secret_is_masked() {
        let s = AppSecret::new("hunter2");
        assert_eq!(format!("{s} {s:?}"), "**** ****");
        let o = opts(&[("app_secret", SettingValue::Str("hunter2".into()))]);
        assert!(!format!("{o:?}").contains("hunter2"));
    }
}
