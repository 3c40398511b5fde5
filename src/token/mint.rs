//! `token new`: the claims of a token the configured host accepts, and its signature.
//!
//! Defaults are what a stock Jitsi token host accepts: `iss` = app_id, `aud` = "jitsi", `sub` =
//! the host, `room` = "*", `exp` = now + 1 h, header `typ` "JWT", signed with the host's
//! `signature_algorithm` (HS256 with app_secret unless configured otherwise; RS256 with
//! `--private-key`). User details go in `context.user`, features in `context.features`, the
//! shape Jitsi Meet reads (token/util.lib.lua:283-299).

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Map, Value, json};

use crate::cli::TokenNewArgs;
use crate::failure::Failure;
use crate::input;

use super::time::{parse_duration, parse_when};

/// The claims for `args`, given the resolved issuer and host.
pub fn claims(args: &TokenNewArgs, iss: &str, host: &str, now: i64) -> Result<Value, Failure> {
    let ttl = parse_duration(&args.ttl).map_err(|e| input!("--ttl: {e}"))?;
    if ttl <= 0 {
        return Err(input!(
            "--ttl {}: a token must live at least one second (Prosody refuses exp <= now)",
            args.ttl
        ));
    }
    let mut claims = Map::new();
    claims.insert("iss".into(), json!(iss));
    claims.insert("aud".into(), json!(args.aud));
    claims.insert("sub".into(), json!(args.sub.as_deref().unwrap_or(host)));
    claims.insert("room".into(), json!(args.room));
    claims.insert("exp".into(), json!(now + ttl));
    if let Some(when) = &args.not_before {
        let nbf = parse_when(when, now).map_err(|e| input!("--not-before: {e}"))?;
        claims.insert("nbf".into(), json!(nbf));
    }
    let mut user = Map::new();
    for (key, value) in [
        ("name", &args.name),
        ("email", &args.email),
        ("avatar", &args.avatar),
        ("id", &args.user_id),
    ] {
        if let Some(value) = value {
            user.insert(key.into(), json!(value));
        }
    }
    if args.moderator {
        user.insert("moderator".into(), json!(true));
    }
    let mut features = Map::new();
    for feature in &args.feature {
        let (name, value) = feature
            .split_once('=')
            .filter(|(name, _)| !name.is_empty())
            .ok_or_else(|| input!("--feature {feature:?}: use NAME=true or NAME=false"))?;
        let value = match value {
            "true" => true,
            "false" => false,
            _ => {
                return Err(input!(
                    "--feature {feature:?}: the value must be true or false"
                ));
            }
        };
        features.insert(name.into(), json!(value));
    }
    let mut context = Map::new();
    if !user.is_empty() {
        context.insert("user".into(), Value::Object(user));
    }
    if !features.is_empty() {
        context.insert("features".into(), Value::Object(features));
    }
    if !context.is_empty() {
        claims.insert("context".into(), Value::Object(context));
    }
    Ok(Value::Object(claims))
}

/// Signs `claims`: `typ` "JWT", `alg`, and `kid` when given.
pub fn sign(
    claims: &Value,
    alg: Algorithm,
    kid: Option<&str>,
    key: &EncodingKey,
) -> Result<String, Failure> {
    let mut header = Header::new(alg);
    header.kid = kid.map(str::to_string);
    jsonwebtoken::encode(&header, claims, key).map_err(|e| input!("cannot sign the token: {e}"))
}

/// `https://HOST/[TENANT/]ROOM?jwt=TOKEN`, with the room percent-encoded.
pub fn url(host: &str, tenant: Option<&str>, room: &str, token: &str) -> String {
    let encode = |s: &str| {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect::<String>()
    };
    let room = if room == "*" {
        "ROOM".to_string()
    } else {
        encode(room)
    };
    match tenant {
        Some(t) => format!("https://{host}/{}/{room}?jwt={token}", encode(t)),
        None => format!("https://{host}/{room}?jwt={token}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_encodes_the_room() {
        assert_eq!(
            url("meet.example.org", None, "my room", "T"),
            "https://meet.example.org/my%20room?jwt=T"
        );
        assert_eq!(
            url("meet.example.org", Some("acme"), "*", "T"),
            "https://meet.example.org/acme/ROOM?jwt=T"
        );
    }
}
