//! The verdict Prosody would give a token, and every reason for it.
//!
//! [`verify`] is pure: a token, the host's [`VerifyOptions`], a key, the clock and the room a
//! client joins go in; a [`Report`] comes out. It runs the [`rules`](super::rules) in Prosody's
//! order and mirrors Lua's semantics where they matter: `nil`/`false` are falsy while JSON `null`
//! is not; claims compare with Lua `==` (a number never equals a string); basexx decodes
//! base64url leniently; the token is split on `.` *and* `\` (the pattern `[^\.]` of
//! luajwtjitsi.lib.lua:61 excludes both).
//!
//! **The verdict is Prosody's.** The first failing connect-stage rule is exactly where
//! `jwt.verify` stops (its message is kept in [`Report::prosody_says`]); later rules are still
//! evaluated on the decoded (possibly unverified) claims so that the user sees every problem at
//! once. The join stage computes `verify_room`'s boolean as upstream does and explains a `false`
//! by comparing the room part and the domain part of the address separately.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use serde_json::Value;

use super::lua_pattern::lua_match;
use super::options::{SUPPORTED_ALGORITHMS, VerifyOptions, lua_number_to_string};
use super::rules::{self, Rule};
use super::time::{format_utc, human_span};

/// Where the client goes after logging in.
#[derive(Debug, Clone)]
pub struct Join {
    /// The room name, as the client sends it (lowercase).
    pub room: String,
    /// The tenant (first path segment of `https://HOST/TENANT/ROOM`), lowercase.
    pub tenant: Option<String>,
    /// How the room was chosen, for the report ("from --room", "from the token's room claim").
    pub origin: String,
}

/// Everything [`verify`] needs.
pub struct Request<'a> {
    /// `None`: the client sent no token.
    pub token: Option<&'a str>,
    pub options: &'a VerifyOptions,
    /// The key Prosody verifies with: `app_secret` for HS*, a PEM public key for RS* (an
    /// HS* host given a PEM uses its text as the secret, as Prosody would).
    pub key: &'a [u8],
    /// True when the key stands in for the key server's answer (asap_key_server hosts): the
    /// key-server header checks run first (token/util.lib.lua:223-251). False for a key taken as
    /// `session.public_key` or the secret.
    pub key_from_key_server: bool,
    /// Unix seconds (Prosody's `os.time()`).
    pub now: i64,
    /// `None`: only the connect stage is checked.
    pub join: Option<Join>,
}

/// One failed rule, in plain words.
#[derive(Debug, Clone)]
pub struct Finding {
    pub rule: &'static Rule,
    /// What the token has (claim and value).
    pub found: String,
    /// What the host expects.
    pub expected: String,
}

/// The verdict and its reasons.
#[derive(Debug, Default)]
pub struct Report {
    pub accepted: bool,
    /// Failed rules, in Prosody's order.
    pub findings: Vec<Finding>,
    /// What Prosody logs for the connect stage ("reason:..." of mod_auth_token.lua:80-85), or
    /// "Room and token mismatched" for the join stage.
    pub prosody_says: Option<String>,
    /// Facts worth knowing that are not failures.
    pub notes: Vec<String>,
    /// The room address checked, when the join stage ran.
    pub room_address: Option<String>,
}

impl Report {
    fn fail(&mut self, rule: &'static Rule, found: impl Into<String>, expected: impl Into<String>) {
        self.findings.push(Finding {
            rule,
            found: found.into(),
            expected: expected.into(),
        });
    }

    fn first_says(&mut self, message: impl Into<String>) {
        if self.prosody_says.is_none() {
            self.prosody_says = Some(message.into());
        }
    }
}

/// A JSON value as Lua sees it after `cjson.decode`.
#[derive(Debug, Clone, Copy)]
enum Lua<'a> {
    Nil,
    /// JSON `null`: `cjson.null`, a truthy userdata.
    Null,
    Bool(bool),
    Num(f64),
    Str(&'a str),
    Table(&'a Value),
}

impl<'a> Lua<'a> {
    fn of(value: Option<&'a Value>) -> Self {
        match value {
            None => Lua::Nil,
            Some(Value::Null) => Lua::Null,
            Some(Value::Bool(b)) => Lua::Bool(*b),
            Some(Value::Number(n)) => Lua::Num(n.as_f64().unwrap_or(f64::NAN)),
            Some(Value::String(s)) => Lua::Str(s),
            Some(v) => Lua::Table(v),
        }
    }

    fn truthy(self) -> bool {
        !matches!(self, Lua::Nil | Lua::Bool(false))
    }

    /// `string.lower(v)`: strings and numbers (coerced); anything else is a Lua error.
    fn lower(self) -> Result<String, String> {
        match self {
            Lua::Str(s) => Ok(s.to_lowercase()),
            Lua::Num(n) => Ok(lua_number_to_string(n)),
            other => Err(format!("string.lower of {} fails", other.describe())),
        }
    }

    fn describe(self) -> String {
        match self {
            Lua::Nil => "nothing (the claim is absent)".to_string(),
            Lua::Null => "null".to_string(),
            Lua::Bool(b) => b.to_string(),
            Lua::Num(n) => lua_number_to_string(n),
            Lua::Str(s) => format!("{s:?}"),
            Lua::Table(v) => compact(v),
        }
    }
}

/// A claim in the report: `"value"` or `absent`.
fn show(value: Option<&Value>) -> String {
    match value {
        None => "absent".to_string(),
        Some(v) => compact(v),
    }
}

fn compact(v: &Value) -> String {
    let text = v.to_string();
    if text.len() > 120 {
        format!("{}...", &text[..text.floor_char_boundary(117)])
    } else {
        text
    }
}

fn quoted_list(items: &[String]) -> String {
    items
        .iter()
        .map(|s| format!("{s:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// basexx.from_url64: '=' skipped anywhere, six bits per character, leftover bits dropped. A
/// character outside the alphabet makes basexx fail with a Lua error (`Err`).
fn basexx_from_url64(text: &str) -> Result<Vec<u8>, char> {
    let mut bits: Vec<bool> = Vec::with_capacity(text.len() * 6);
    for c in text.chars() {
        let value = match c {
            '=' => continue,
            'A'..='Z' => c as u32 - 'A' as u32,
            'a'..='z' => c as u32 - 'a' as u32 + 26,
            '0'..='9' => c as u32 - '0' as u32 + 52,
            '-' => 62,
            '_' => 63,
            // string.find(alphabet, c) treats c as a pattern: "^" matches at 1 (value 0).
            '^' => 0,
            _ => return Err(c),
        };
        bits.extend((0..6).rev().map(|i| value >> i & 1 == 1));
    }
    let whole = bits.len() / 8 * 8;
    Ok(bits[..whole]
        .chunks(8)
        .map(|byte| byte.iter().fold(0u8, |acc, &b| acc << 1 | u8::from(b)))
        .collect())
}

/// `cjson.safe.decode(basexx.from_url64(part))`.
fn decode_json(part: &str) -> Result<Value, String> {
    let bytes =
        basexx_from_url64(part).map_err(|c| format!("{c:?} is not a base64url character"))?;
    serde_json::from_slice(&bytes).map_err(|e| format!("not JSON ({e})"))
}

fn algorithm(name: &str) -> Option<Algorithm> {
    SUPPORTED_ALGORITHMS
        .contains(&name)
        .then(|| name.parse().ok())
        .flatten()
}

/// luajwtjitsi's `alg_verify[alg](signing_input, sig, key)`; `Err` explains a key that cannot
/// verify at all.
fn signature_valid(
    alg: Algorithm,
    signing_input: &str,
    sig: &[u8],
    key: &[u8],
) -> Result<bool, String> {
    match alg {
        Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512 => {
            let key = EncodingKey::from_secret(key).map_err(|_| {
                "the secret is empty; jitsi-tokens cannot compute an HMAC with it".to_string()
            })?;
            let mac = jsonwebtoken::crypto::sign(signing_input.as_bytes(), &key, alg)
                .map_err(|e| format!("HMAC failed: {e}"))?;
            Ok(URL_SAFE_NO_PAD.decode(mac).is_ok_and(|mac| mac == sig))
        }
        _ => {
            let Ok(key) = DecodingKey::from_rsa_pem(key) else {
                return Err(
                    "the key is not an RSA public key in PEM form, so luaossl's \
                            pkey.new fails and no signature verifies"
                        .to_string(),
                );
            };
            Ok(jsonwebtoken::crypto::verify(
                &URL_SAFE_NO_PAD.encode(sig),
                signing_input.as_bytes(),
                &key,
                alg,
            )
            .unwrap_or(false))
        }
    }
}

/// Decides as Prosody does. See the module documentation.
pub fn verify(req: &Request<'_>) -> Report {
    let mut report = Report::default();
    let opts = req.options;
    let Some(token) = req.token else {
        if opts.allow_empty_token {
            report.notes.push(
                "no token: allow_empty_token = true lets the client in without one, and the room \
                 check is skipped for it (token/util.lib.lua:210-213, 321-324)"
                    .to_string(),
            );
            report.accepted = true;
        } else {
            report.fail(
                rules::TOKEN_MISSING,
                "no token",
                "a token, or allow_empty_token = true on the host",
            );
            report.first_says("token required");
        }
        return report;
    };

    if req.key_from_key_server {
        check_key_server_header(token, &mut report);
    }

    let alg_name = opts.signature_algorithm.clone().unwrap_or_default();
    let alg = algorithm(&alg_name);
    if alg.is_none() {
        report.fail(
            rules::ALGORITHM_UNSUPPORTED,
            format!("signature_algorithm = {alg_name:?} on the host"),
            format!("one of {}", SUPPORTED_ALGORITHMS.join(", ")),
        );
        report.first_says("Algorithm not supported");
    }

    let Some(parts) = parse(token, &mut report) else {
        return finish(report, req, None);
    };
    let Parts {
        header,
        body,
        sig,
        signing_input,
    } = parts;

    // typ, alg (luajwtjitsi.lib.lua:204-211)
    let header_obj = header.as_object();
    let typ = header_obj.and_then(|h| h.get("typ"));
    if typ.and_then(Value::as_str) != Some("JWT") {
        let found = if header_obj.is_none() {
            format!("the header is {} (not a JSON object)", compact(&header))
        } else {
            format!("typ = {}", show(typ))
        };
        report.fail(rules::TYP_NOT_JWT, found, "typ = \"JWT\" in the header");
        report.first_says("Invalid typ");
    }
    let header_alg = header_obj.and_then(|h| h.get("alg"));
    if header_alg.and_then(Value::as_str) != Some(alg_name.as_str()) {
        report.fail(
            rules::ALG_MISMATCH,
            format!("alg = {} in the header", show(header_alg)),
            format!(
                "alg = {alg_name:?} (the host's signature_algorithm{})",
                if opts.signature_algorithm_configured.is_some() {
                    ""
                } else if opts.asap_key_server.is_some() {
                    ", defaulted from asap_key_server"
                } else {
                    ", defaulted from app_secret"
                }
            ),
        );
        report.first_says("Invalid or incorrect alg");
    }

    // signature (luajwtjitsi.lib.lua:213-216)
    let mut signature_ok = false;
    if let Some(alg) = alg {
        match signature_valid(alg, &signing_input, &sig, req.key) {
            Ok(true) => signature_ok = true,
            Ok(false) => {
                let with = if alg_name.starts_with("HS") {
                    if req.key_from_key_server || opts.app_secret.is_none() {
                        "the given key"
                    } else {
                        "the host's app_secret"
                    }
                } else {
                    "the public key"
                };
                let found = match header_alg.and_then(Value::as_str) {
                    Some(a) if a != alg_name => format!(
                        "a signature that does not verify as {alg_name} with {with} \
                         (the token says it was made with {a})"
                    ),
                    _ => format!("a signature that does not verify as {alg_name} with {with}"),
                };
                report.fail(
                    rules::SIGNATURE_INVALID,
                    found,
                    format!("a token signed with {with}"),
                );
                report.first_says("Invalid signature");
            }
            Err(why) => {
                report.fail(
                    rules::SIGNATURE_INVALID,
                    "a signature that cannot be checked",
                    why,
                );
                report.first_says("Invalid signature");
            }
        }
    }
    if !signature_ok {
        report
            .notes
            .push("the claims were read from a token whose signature did not verify".to_string());
    }

    let body_obj = body.as_object();
    let claim = |name: &str| body_obj.and_then(|b| b.get(name));
    check_times(claim("exp"), claim("nbf"), req.now, &mut report);
    check_accepted(
        rules::ISSUER_NOT_ACCEPTED,
        "iss",
        claim("iss"),
        &opts.accepted_issuers,
        if opts.accepted_issuers == opts.app_id.iter().cloned().collect::<Vec<_>>() {
            "the app_id"
        } else {
            "asap_accepted_issuers"
        },
        &mut report,
    );
    check_accepted(
        rules::AUDIENCE_NOT_ACCEPTED,
        "aud",
        claim("aud"),
        &opts.accepted_audiences,
        "asap_accepted_audiences",
        &mut report,
    );

    // room claim (token/util.lib.lua:270-275), then the context (283-303)
    if opts.require_room_claim && claim("room").is_none() {
        report.fail(
            rules::ROOM_CLAIM_MISSING,
            "room absent",
            "a room claim (a room name or \"*\"), or asap_require_room_claim = false on the host",
        );
        report.first_says("'room' claim is missing");
    }
    let context = Lua::of(claim("context"));
    if matches!(context, Lua::Null | Lua::Bool(_) | Lua::Num(_)) {
        report.fail(
            rules::CONTEXT_NOT_TABLE,
            format!("context = {}", context.describe()),
            "context as a JSON object; Prosody's Lua fails indexing anything else and the login fails",
        );
        report.first_says("a Lua error (attempt to index the context claim)");
    }

    finish(report, req, body_obj.map(|_| &body))
}

/// Runs the join stage, then decides.
fn finish(mut report: Report, req: &Request<'_>, body: Option<&Value>) -> Report {
    let connect_failed = !report.findings.is_empty();
    if let (Some(join), Some(body)) = (&req.join, body) {
        let before = report.findings.len();
        verify_room(req.options, join, body, &mut report);
        if report.findings.len() > before && !connect_failed {
            report.first_says("Room and token mismatched");
        }
        if connect_failed && report.findings.len() > before {
            report.notes.push(
                "the room check runs only after a successful login; its findings above are what \
                 would fail next"
                    .to_string(),
            );
        }
    }
    report.accepted = report.findings.is_empty();
    report
}

fn check_key_server_header(token: &str, report: &mut Report) {
    let rule = rules::KEY_SERVER_HEADER;
    let Some(dot) = token.find('.') else {
        report.fail(rule, "a token without a '.'", "header.payload.signature");
        report.first_says("Invalid token");
        return;
    };
    let header = match decode_json(&token[..dot]) {
        Ok(header) => header,
        Err(why) => {
            report.fail(
                rule,
                format!("a header that is {why}"),
                "a base64url JSON header",
            );
            report.first_says("bad token format");
            return;
        }
    };
    let get = |k: &str| Lua::of(header.as_object().and_then(|h| h.get(k)));
    if matches!(get("kid"), Lua::Nil) {
        report.fail(
            rule,
            "no kid in the header",
            "kid: the key id whose public key asap_key_server serves",
        );
        report.first_says("'kid' claim is missing");
        return;
    }
    match get("alg") {
        Lua::Nil => {
            report.fail(rule, "no alg in the header", "alg = RS256, RS384 or RS512");
            report.first_says("'alg' claim is missing");
        }
        Lua::Str(alg) if alg.starts_with("RS") => {}
        other => {
            report.fail(
                rule,
                format!("alg = {} in the header", other.describe()),
                "alg = RS256, RS384 or RS512: keys from asap_key_server only verify the RS family",
            );
            report.first_says("'kid' claim only support with RS family");
        }
    }
}

struct Parts {
    header: Value,
    body: Value,
    sig: Vec<u8>,
    signing_input: String,
}

/// parse_token and strip_signature (luajwtjitsi.lib.lua:58-104).
fn parse(token: &str, report: &mut Report) -> Option<Parts> {
    let rule = rules::TOKEN_MALFORMED;
    let segments: Vec<&str> = token.split(['.', '\\']).filter(|s| !s.is_empty()).collect();
    if segments.len() != 3 {
        report.fail(
            rule,
            format!(
                "{} non-empty part{} between dots",
                segments.len(),
                if segments.len() == 1 { "" } else { "s" }
            ),
            "3 parts: header.payload.signature",
        );
        report.first_says("Invalid token");
        return None;
    }
    let header = match decode_json(segments[0]) {
        Ok(v) => v,
        Err(why) => {
            report.fail(
                rule,
                format!("a header that is {why}"),
                "base64url-encoded JSON",
            );
            report.first_says("Invalid header");
            return None;
        }
    };
    let body = match decode_json(segments[1]) {
        Ok(v) if v.is_object() => v,
        Ok(v) => {
            report.fail(
                rule,
                format!("a payload that is {} (not a JSON object)", compact(&v)),
                "a JSON object of claims",
            );
            report.first_says("Invalid body");
            return None;
        }
        Err(why) => {
            report.fail(
                rule,
                format!("a payload that is {why}"),
                "base64url-encoded JSON",
            );
            report.first_says("Invalid body");
            return None;
        }
    };
    let sig = match basexx_from_url64(segments[2]) {
        Ok(sig) => sig,
        Err(c) => {
            report.fail(
                rule,
                format!("a signature with {c:?}, not a base64url character"),
                "a base64url signature",
            );
            report.first_says("Invalid signature");
            return None;
        }
    };
    Some(Parts {
        header,
        body,
        sig,
        signing_input: format!("{}.{}", segments[0], segments[1]),
    })
}

/// exp/nbf types and the clock (luajwtjitsi.lib.lua:218-234).
fn check_times(exp: Option<&Value>, nbf: Option<&Value>, now: i64, report: &mut Report) {
    let exp_l = Lua::of(exp);
    let nbf_l = Lua::of(nbf);
    for (name, value, rule) in [
        ("exp", exp_l, rules::EXP_NOT_NUMBER),
        ("nbf", nbf_l, rules::NBF_NOT_NUMBER),
    ] {
        if value.truthy() && !matches!(value, Lua::Num(_)) {
            report.fail(
                rule,
                format!("{name} = {}", value.describe()),
                format!("{name} as a JSON number of Unix seconds"),
            );
            report.first_says(format!("{name} must be number"));
        }
    }
    let nowf = now as f64;
    if let Lua::Num(exp) = exp_l
        && nowf >= exp
    {
        report.fail(
            rules::TOKEN_EXPIRED,
            time_claim("exp", exp, nowf),
            format!(
                "exp after now = {now} ({}); Prosody refuses exp <= now, with no leeway",
                format_utc(now)
            ),
        );
        report.first_says("Not acceptable by exp");
    }
    if let Lua::Num(nbf) = nbf_l
        && nowf < nbf
    {
        report.fail(
            rules::TOKEN_NOT_YET_VALID,
            time_claim("nbf", nbf, nowf),
            format!(
                "nbf at or before now = {now} ({}); Prosody allows no leeway for clock skew",
                format_utc(now)
            ),
        );
        report.first_says("Not acceptable by nbf");
    }
}

/// `exp = 1699999999 (2023-11-14 22:13:19 UTC), 1 s before now`.
fn time_claim(name: &str, t: f64, now: f64) -> String {
    let side = if t <= now { "before" } else { "after" };
    format!(
        "{name} = {} ({}), {} {side} now",
        lua_number_to_string(t),
        format_utc(t.floor() as i64),
        human_span((now - t).abs().ceil() as i64)
    )
}

/// iss / aud against their accepted lists (verify_claim, luajwtjitsi.lib.lua:112-123).
fn check_accepted(
    rule: &'static Rule,
    name: &str,
    value: Option<&Value>,
    accepted: &[String],
    source: &str,
    report: &mut Report,
) {
    let expected = || {
        if accepted.is_empty() {
            format!("{name} in {source}, which is empty: no token is accepted")
        } else if accepted.iter().any(|a| a == "*") {
            format!("{name} present, with any value ({source} holds \"*\")")
        } else {
            format!(
                "{name} = {} ({source})",
                quoted_list(accepted).replace(", ", " or ")
            )
        }
    };
    if value.is_none() {
        report.fail(rule, format!("{name} absent"), expected());
        report.first_says(format!("'{name}' claim is missing"));
        return;
    }
    let ok = accepted
        .iter()
        .any(|a| a == "*" || value.and_then(Value::as_str) == Some(a.as_str()));
    if !ok {
        report.fail(rule, format!("{name} = {}", show(value)), expected());
        report.first_says(format!("invalid '{name}' claim"));
    }
}

/// `Util:verify_room` (token/util.lib.lua:320-425), explained.
fn verify_room(opts: &VerifyOptions, join: &Join, body: &Value, report: &mut Report) {
    let claims = body.as_object();
    let get = |k: &str| Lua::of(claims.and_then(|c| c.get(k)));
    let room_claim = get("room");
    let sub_claim = get("sub");
    let node = match &join.tenant {
        Some(t) => format!("[{t}]{}", join.room),
        None => join.room.clone(),
    };
    let address = format!("{node}@{}", opts.join_muc_domain());
    report.room_address = Some(address.clone());

    // auth_room = string.lower(session.jitsi_meet_room) when truthy (334-337)
    let auth_room = if room_claim.truthy() {
        match room_claim.lower() {
            Ok(r) => Some(r),
            Err(why) => {
                report.fail(
                    rules::ROOM_MISMATCH,
                    format!(
                        "room = {}: {why}, a Lua error that drops the join",
                        room_claim.describe()
                    ),
                    "room as a string: a room name or \"*\"",
                );
                return;
            }
        }
    } else {
        None
    };

    if !opts.enable_domain_verification {
        // 338-346: only the room name, and sub is never looked at.
        report.notes.push(
            "enable_domain_verification = false: sub and the tenant are not checked".to_string(),
        );
        if let Some(a) = &auth_room
            && a != "*"
            && node != *a
            && !node.ends_with(&format!("]{a}"))
        {
            report.fail(
                rules::ROOM_MISMATCH,
                format!(
                    "room = {} (compared lowercased: {a:?})",
                    room_claim.describe()
                ),
                format!("the room joined, {:?}, or \"*\"", join.room),
            );
        }
        return;
    }

    // extract_subdomain (util.lib.lua:260-270): "^%[([^%]]+)%](.+)$"
    let (target_sub, target_room) = split_tenant(&node);
    let subject = target_room.unwrap_or(&node).to_string();

    let room_to_check: Option<String> = if auth_room.as_deref() == Some("*") {
        Some(subject.clone())
    } else {
        let regex = match Lua::of(
            claims
                .and_then(|c| c.get("context"))
                .and_then(|c| c.as_object())
                .and_then(|c| c.get("room")),
        ) {
            Lua::Table(Value::Object(room)) => {
                matches!(room.get("regex"), Some(Value::Bool(true)))
                    || room.get("regex").and_then(Value::as_str) == Some("true")
            }
            Lua::Null | Lua::Num(_) | Lua::Bool(true) => {
                report.fail(
                    rules::ROOM_MISMATCH,
                    "context.room that is not an object: indexing it is a Lua error that drops the join",
                    "context.room as an object such as {\"regex\": true}, or no context.room",
                );
                return;
            }
            _ => false,
        };
        if regex {
            let Some(pattern) = &auth_room else {
                report.fail(
                    rules::ROOM_MISMATCH,
                    "context.room.regex = true but no room claim: string.match fails with a Lua error",
                    "a room claim holding a Lua pattern",
                );
                return;
            };
            match lua_match(&subject, pattern) {
                Ok(Some(m)) => Some(m),
                Ok(None) => {
                    if opts.require_room_claim {
                        report.fail(
                            rules::ROOM_MISMATCH,
                            format!(
                                "room = {} as a Lua pattern (context.room.regex), lowercased to \
                                 {pattern:?}: it does not match {subject:?}",
                                room_claim.describe()
                            ),
                            format!("a Lua pattern (not a regex) matching the room {subject:?}"),
                        );
                    }
                    None
                }
                Err(e) => {
                    report.fail(
                        rules::ROOM_MISMATCH,
                        format!(
                            "room = {} as a Lua pattern: Lua raises \"{e}\", which drops the join",
                            room_claim.describe()
                        ),
                        "a valid Lua pattern (% escapes, not \\)".to_string(),
                    );
                    return;
                }
            }
        } else {
            auth_room.clone()
        }
    };
    let Some(room_to_check) = room_to_check else {
        // 383-390: nothing to check; allowed only without asap_require_room_claim.
        if !opts.require_room_claim {
            report.notes.push(
                "asap_require_room_claim = false and no room to check: Prosody lets the client \
                 into any room without looking at sub (token/util.lib.lua:383-388)"
                    .to_string(),
            );
        } else if !report
            .findings
            .iter()
            .any(|f| std::ptr::eq(f.rule, rules::ROOM_MISMATCH))
        {
            report.fail(
                rules::ROOM_MISMATCH,
                format!("room = {}", room_claim.describe()),
                format!("the room joined, {:?}, or \"*\"", join.room),
            );
        }
        return;
    };

    // auth_domain = string.lower(session.jitsi_meet_domain) (394)
    let auth_domain = match sub_claim.lower() {
        Ok(d) => d,
        Err(_) => {
            report.fail(
                rules::SUB_MISMATCH,
                format!(
                    "sub = {}: Prosody calls string.lower on it, a Lua error that drops the join",
                    sub_claim.describe()
                ),
                sub_expectation(opts, join),
            );
            return;
        }
    };

    if let (Some(target_sub), Some(target_room)) = (target_sub, target_room) {
        let sub_to_check = if auth_domain == "*" {
            target_sub.to_string()
        } else {
            auth_domain.clone()
        };
        let Some(muc_domain) = &opts.muc_domain else {
            report.fail(
                rules::TENANT_WITHOUT_DOMAIN_BASE,
                format!("tenant {target_sub:?} on a host without muc_mapper_domain_base"),
                format!(
                    "muc_mapper_domain_base = \"{}\" for the host (Prosody: \"No \
                     'muc_domain_base' option set, denying access!\")",
                    opts.domain
                ),
            );
            return;
        };
        let expected = format!("[{sub_to_check}]{room_to_check}@{muc_domain}");
        if address != expected {
            explain_mismatch(
                opts,
                join,
                room_claim,
                sub_claim,
                (&sub_to_check, target_sub),
                (&room_to_check, target_room),
                (muc_domain, &opts.join_muc_domain()),
                report,
            );
        }
    } else {
        let host = if auth_domain == "*" {
            opts.muc_domain.clone()
        } else {
            Some(format!("{}.{auth_domain}", opts.muc_domain_prefix))
        };
        let expected = host.as_ref().map(|h| format!("{room_to_check}@{h}"));
        if expected.as_deref() != Some(address.as_str()) {
            let join_muc = opts.join_muc_domain();
            match &host {
                None => report.fail(
                    rules::SUB_MISMATCH,
                    "sub = \"*\" on a host without muc_mapper_domain_base: Prosody has no MUC \
                     domain to compare with and refuses",
                    format!(
                        "sub = {:?}, or muc_mapper_domain_base = \"{}\" for the host",
                        opts.domain, opts.domain
                    ),
                ),
                Some(h) => explain_mismatch(
                    opts,
                    join,
                    room_claim,
                    sub_claim,
                    (h, &join_muc),
                    (&room_to_check, &join.room),
                    ("", ""),
                    report,
                ),
            }
        }
    }
}

/// Splits `[tenant]room` as util.lib.lua:266 does.
fn split_tenant(node: &str) -> (Option<&str>, Option<&str>) {
    if let Some(rest) = node.strip_prefix('[')
        && let Some(close) = rest.find(']')
        && close > 0
        && rest.len() > close + 1
    {
        return (Some(&rest[..close]), Some(&rest[close + 1..]));
    }
    (None, None)
}

fn sub_expectation(opts: &VerifyOptions, join: &Join) -> String {
    match &join.tenant {
        Some(t) => format!("sub = {t:?} (the tenant) or \"*\""),
        None => format!("sub = {:?} (the host) or \"*\"", opts.domain),
    }
}

/// Says which part of `[sub]room@muc` (or `room@prefix.sub`) differs.
#[allow(clippy::too_many_arguments)]
fn explain_mismatch(
    opts: &VerifyOptions,
    join: &Join,
    room_claim: Lua<'_>,
    sub_claim: Lua<'_>,
    (want_domain, have_domain): (&str, &str),
    (want_room, have_room): (&str, &str),
    (want_muc, have_muc): (&str, &str),
    report: &mut Report,
) {
    let before = report.findings.len();
    if want_room != have_room {
        report.fail(
            rules::ROOM_MISMATCH,
            format!(
                "room = {} (lowercased: {want_room:?})",
                room_claim.describe()
            ),
            format!("the room joined, {have_room:?}, or \"*\""),
        );
    }
    if want_domain != have_domain {
        let found = match &join.tenant {
            Some(_) => format!("sub = {}", sub_claim.describe()),
            None => format!(
                "sub = {}, so Prosody expects the room on {want_domain:?}; the client joins {have_domain:?}",
                sub_claim.describe()
            ),
        };
        report.fail(rules::SUB_MISMATCH, found, sub_expectation(opts, join));
    }
    if want_muc != have_muc {
        report.fail(
            rules::SUB_MISMATCH,
            format!("the MUC domain {want_muc:?} (muc_mapper_domain) differs from {have_muc:?}"),
            "muc_mapper_domain consistent with muc_mapper_domain_base",
        );
    }
    if report.findings.len() == before {
        report.fail(
            rules::ROOM_MISMATCH,
            format!(
                "room = {}, sub = {}",
                room_claim.describe(),
                sub_claim.describe()
            ),
            format!(
                "a room claim and sub that give the address {:?}",
                report.room_address.clone().unwrap_or_default()
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basexx_is_lenient_like_lua() {
        assert_eq!(basexx_from_url64("eyJ4IjoxfQ").unwrap(), br#"{"x":1}"#);
        assert_eq!(basexx_from_url64("eyJ4IjoxfQ==").unwrap(), br#"{"x":1}"#);
        assert_eq!(basexx_from_url64("e=yJ4IjoxfQ").unwrap(), br#"{"x":1}"#);
        assert_eq!(basexx_from_url64("eyJ4Ij+xfQ"), Err('+'));
    }

    #[test]
    fn tenant_split_matches_the_lua_pattern() {
        assert_eq!(split_tenant("[acme]room"), (Some("acme"), Some("room")));
        assert_eq!(split_tenant("[]room"), (None, None));
        assert_eq!(split_tenant("[acme]"), (None, None));
        assert_eq!(split_tenant("room"), (None, None));
    }
}
