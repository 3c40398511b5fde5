//! `jitsi-tokens token`: mint and verify JWTs exactly as Jitsi's Prosody modules judge them.
//!
//! - `token new` mints a token the configured host accepts ([`mint`]).
//! - `token verify` says whether the host accepts a token and, if not, every reason, with the
//!   claim's value and what the host expects ([`verify`], rules in [`rules`]).
//!
//! Host options come from ONE function, [`host::load_host_settings`] (the project's Prosody
//! reader), through [`options::VerifyOptions::from_settings`], so the verdict follows the host's
//! configuration. Exit codes: 0 accepted (or minted), 1 rejected (a malformed token too), 2 could
//! not run. The secret never reaches any output. The clock can be pinned with
//! `JITSI_TOKENS_NOW` (Unix seconds) for reproducible reports and tests.

pub mod host;
pub mod lua_pattern;
pub mod mint;
pub mod options;
pub mod output;
pub mod rules;
pub mod time;
pub mod verify;

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::Value;

use crate::cli::{TokenCommand, TokenNewArgs, TokenVerifyArgs};
use crate::failure::Failure;
use crate::input;
use crate::system::Env;

use options::{AppSecret, SettingValue, VerifyOptions};
use output::Out;

pub fn run(cmd: &TokenCommand, env: &mut Env) -> Result<u8, Failure> {
    let mut out = Out::new(env);
    match cmd {
        TokenCommand::New(args) => run_new(args, &mut out),
        TokenCommand::Verify(args) => run_verify(args, &mut out),
    }
}

fn options_of(domain: &str, settings: &HashMap<String, SettingValue>) -> VerifyOptions {
    VerifyOptions::from_settings(domain, &|key| settings.get(key).cloned())
}

fn now() -> Result<i64, Failure> {
    time::now().map_err(|e| input!("{e}"))
}

/// Reads a file, or stdin for `-`.
fn read_input(out: &mut Out, path: &Path, what: &str) -> Result<Vec<u8>, Failure> {
    if path == Path::new("-") {
        let mut buf = Vec::new();
        out.env
            .stdin
            .read_to_end(&mut buf)
            .map_err(|e| input!("cannot read {what} from stdin: {e}"))?;
        Ok(buf)
    } else {
        std::fs::read(path).map_err(|e| input!("cannot read {what} {}: {e}", path.display()))
    }
}

fn run_new(args: &TokenNewArgs, out: &mut Out) -> Result<u8, Failure> {
    let now = now()?;
    let hostname = args.target.hostname.as_deref();
    let flags_suffice = hostname.is_some()
        && args.app_id.is_some()
        && (args.app_secret_file.is_some() || args.private_key.is_some());
    let (domain, settings) = match host::load_host_settings(&args.target.root, hostname) {
        Ok(found) => found,
        Err(_) if flags_suffice => (hostname.unwrap_or_default().to_string(), HashMap::new()),
        Err(e) => return Err(e),
    };
    let opts = options_of(&domain, &settings);

    let app_id = args.app_id.clone().or_else(|| opts.app_id.clone());
    let iss = args.iss.clone().or_else(|| app_id.clone()).ok_or_else(|| {
        input!("{domain} has no app_id in its Prosody config; pass --app-id or --iss")
    })?;
    let configured = opts.signature_algorithm.as_deref().unwrap_or("");

    let (alg, key) = if let Some(pem_path) = &args.private_key {
        let pem = read_input(out, pem_path, "the private key")?;
        let key = EncodingKey::from_rsa_pem(&pem).map_err(|e| {
            input!(
                "{} is not an RSA private key in PEM form: {e}",
                pem_path.display()
            )
        })?;
        let alg = if configured.starts_with("RS") {
            configured.parse().unwrap_or(Algorithm::RS256)
        } else {
            Algorithm::RS256
        };
        if opts.asap_key_server.is_none() && !settings.is_empty() {
            out.note(&format!(
                "warning: {domain} has no asap_key_server; it verifies tokens with {}, so it \
                 will refuse this {alg:?} token",
                if configured.is_empty() {
                    "app_secret"
                } else {
                    configured
                }
            ));
        }
        (alg, key)
    } else {
        let secret = match &args.app_secret_file {
            Some(path) => {
                let bytes = read_input(out, path, "the app secret")?;
                let text = String::from_utf8(bytes)
                    .map_err(|_| input!("the app secret in {} is not UTF-8", path.display()))?;
                let text = text
                    .strip_suffix("\r\n")
                    .or_else(|| text.strip_suffix('\n'))
                    .unwrap_or(&text);
                AppSecret::new(text)
            }
            None => match &opts.app_secret {
                Some(secret) => secret.clone(),
                None if opts.asap_key_server.is_some() => {
                    return Err(input!(
                        "{domain} verifies tokens with public keys from asap_key_server; mint \
                         with --private-key PEM --kid KID"
                    ));
                }
                None => {
                    return Err(input!(
                        "{domain} has no app_secret in its Prosody config; pass \
                         --app-secret-file PATH (or - for stdin)"
                    ));
                }
            },
        };
        let key = EncodingKey::from_secret(secret.expose().as_bytes())
            .map_err(|_| input!("the app secret is empty"))?;
        let alg = if configured.starts_with("HS") {
            configured.parse().unwrap_or(Algorithm::HS256)
        } else {
            if configured.starts_with("RS") {
                out.note(&format!(
                    "warning: {domain} expects {configured} tokens (asap_key_server or \
                     signature_algorithm); an HS256 token will be refused"
                ));
            }
            Algorithm::HS256
        };
        (alg, key)
    };

    let claims = mint::claims(args, &iss, &domain, now)?;
    let token = mint::sign(&claims, alg, args.kid.as_deref(), &key)?;
    let exp = claims["exp"].as_i64().unwrap_or(now);
    out.note(&format!(
        "Minted a {alg:?} token for {domain}: iss={iss:?} aud={:?} sub={:?} room={:?}, expires \
         {} (in {}){}.",
        args.aud,
        claims["sub"].as_str().unwrap_or_default(),
        args.room,
        time::format_utc(exp),
        time::human_span(exp - now),
        args.kid
            .as_ref()
            .map(|k| format!(", kid={k:?}"))
            .unwrap_or_default()
    ));
    if args.url {
        let sub = claims["sub"].as_str().unwrap_or_default();
        let tenant = (!sub.eq_ignore_ascii_case(&domain) && sub != "*").then_some(sub);
        out.line(&mint::url(&domain, tenant, &args.room, &token));
    }
    out.line(&token);
    Ok(0)
}

/// The token from the argument or stdin, trimmed; the `jwt=` parameter of a pasted meeting URL.
fn token_text(args: &TokenVerifyArgs, out: &mut Out) -> Result<Option<String>, Failure> {
    let raw = if args.token == "-" {
        let bytes = read_input(out, Path::new("-"), "the token")?;
        String::from_utf8(bytes).map_err(|_| input!("the token on stdin is not UTF-8"))?
    } else {
        args.token.clone()
    };
    let mut token = raw.trim();
    if let Some(at) = token.find("jwt=") {
        token = &token[at + 4..];
        token = token.split(['&', '#']).next().unwrap_or_default();
    }
    Ok((!token.is_empty()).then(|| token.to_string()))
}

/// The token's claims without any check, to pick a room to test when `--room` is absent.
fn peek_room(token: &str) -> Option<Value> {
    use base64::Engine;
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    serde_json::from_slice::<Value>(&bytes).ok()
}

/// The room a client would join: `--room`, else the token's own room claim. `None` when the room
/// claim is a Lua pattern and no `--room` says what to match it against.
fn join_for(
    args: &TokenVerifyArgs,
    token: Option<&str>,
    out_notes: &mut Vec<String>,
) -> Option<verify::Join> {
    let tenant = args.tenant.as_ref().map(|t| t.to_lowercase());
    if let Some(room) = &args.room {
        return Some(verify::Join {
            room: room.to_lowercase(),
            tenant,
            origin: "--room".to_string(),
        });
    }
    let claims = token.and_then(peek_room);
    let room = claims.as_ref().and_then(|c| c.get("room"));
    let regex = claims
        .as_ref()
        .and_then(|c| c.pointer("/context/room/regex"))
        .is_some_and(|r| r == &Value::Bool(true) || r == "true");
    match room.and_then(Value::as_str) {
        _ if regex => {
            out_notes.push(
                "the room claim is a Lua pattern (context.room.regex): pass --room to check a \
                 room against it; only the login was checked"
                    .to_string(),
            );
            None
        }
        Some(r) if r != "*" => Some(verify::Join {
            room: r.to_lowercase(),
            tenant,
            origin: "the token's room claim (pass --room to check another)".to_string(),
        }),
        _ => Some(verify::Join {
            room: "jitsi-tokens-check".to_string(),
            tenant,
            origin: "a sample name: the token names no single room (pass --room)".to_string(),
        }),
    }
}

fn run_verify(args: &TokenVerifyArgs, out: &mut Out) -> Result<u8, Failure> {
    let now = now()?;
    let (domain, settings) =
        host::load_host_settings(&args.target.root, args.target.hostname.as_deref())?;
    let opts = options_of(&domain, &settings);
    if let Some(why) = opts.not_loadable() {
        return Err(input!("{why}"));
    }
    let token = token_text(args, out)?;

    let public_key = match &args.public_key {
        Some(path) => Some(read_input(out, path, "the public key")?),
        None => None,
    };
    let alg = opts.signature_algorithm.as_deref().unwrap_or_default();
    if let Some(pem) = &public_key
        && alg.starts_with("RS")
        && jsonwebtoken::DecodingKey::from_rsa_pem(pem).is_err()
    {
        return Err(input!(
            "{} is not an RSA public key in PEM form",
            args.public_key
                .as_deref()
                .unwrap_or(Path::new("-"))
                .display()
        ));
    }
    let key: Vec<u8> = match (&public_key, &opts.app_secret) {
        (Some(pem), _) => pem.clone(),
        (None, _) if opts.asap_key_server.is_some() && token.is_some() => {
            return Err(input!(
                "{domain} fetches public keys from asap_key_server {:?} by the token's kid; \
                 jitsi-tokens does not fetch them: pass --public-key PEM",
                opts.asap_key_server.as_deref().unwrap_or_default()
            ));
        }
        (None, Some(secret)) => secret.expose().as_bytes().to_vec(),
        (None, None) => Vec::new(),
    };

    let mut notes = Vec::new();
    let join = join_for(args, token.as_deref(), &mut notes);
    let join_origin = join.as_ref().map(|j| j.origin.clone());
    let request = verify::Request {
        token: token.as_deref(),
        options: &opts,
        key: &key,
        key_from_key_server: opts.asap_key_server.is_some() && public_key.is_some(),
        now,
        join,
    };
    let mut report = verify::verify(&request);
    report.notes.extend(notes);
    if let (Some(origin), Some(_)) = (join_origin, &report.room_address) {
        report.notes.push(format!("room taken from {origin}"));
    }
    for line in output::render_report(&report, &domain) {
        out.line(&line);
    }
    Ok(if report.accepted { 0 } else { 1 })
}
