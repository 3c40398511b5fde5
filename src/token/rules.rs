//! The checks Prosody runs on a Jitsi token, as data: one documented rule per check.
//!
//! Every rule cites the upstream line that implements it, in jitsi/jitsi-meet at commit
//! `3dbf5948a724ae1c1f2b35f6fc1e6942897113c5` (read through the project's search tool):
//! - `token/util.lib.lua` = `resources/prosody-plugins/token/util.lib.lua`;
//! - `luajwtjitsi.lib.lua` = `resources/prosody-plugins/luajwtjitsi.lib.lua`;
//! - `util.lib.lua` = `resources/prosody-plugins/util.lib.lua`;
//! - `mod_auth_token.lua`, `mod_token_verification.lua` in the same folder.
//!
//! The table is in the order Prosody runs the checks. Two stages:
//! 1. **connect**: `mod_auth_token.lua:80` calls `process_and_verify_token`
//!    (token/util.lib.lua:205-308), which calls `jwt.verify` (luajwtjitsi.lib.lua:184-257). The
//!    first failing check ends it; the client's login fails with that message.
//! 2. **join**: `mod_token_verification.lua:78`, loaded on `conference.HOST` with the options of
//!    HOST (`mod_token_verification.lua:16-30`), calls `verify_room` (token/util.lib.lua:320-425)
//!    before a room is created or joined. It answers yes or no ("Room and token mismatched").
//!
//! Codes are stable: a code is never reused for another check.

/// When Prosody runs a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// While the client logs in (`mod_auth_token`).
    Connect,
    /// While the client creates or joins a room (`mod_token_verification`).
    Join,
}

/// One check Prosody makes, with its documentation.
#[derive(Debug)]
pub struct Rule {
    pub code: &'static str,
    pub name: &'static str,
    pub stage: Stage,
    /// What the rule requires, in one sentence.
    pub requires: &'static str,
    /// Where upstream implements it.
    pub upstream: &'static str,
}

macro_rules! rules {
    ($($id:ident = $code:literal $name:literal $stage:ident $requires:literal @ $upstream:literal;)*) => {
        $(
            #[doc = concat!("`", $code, " ", $name, "`: ", $requires, " (", $upstream, ")")]
            pub const $id: &Rule = &Rule {
                code: $code,
                name: $name,
                stage: Stage::$stage,
                requires: $requires,
                upstream: $upstream,
            };
        )*
        /// Every rule, in the order Prosody checks them.
        pub const ALL: &[&Rule] = &[$($id),*];
    };
}

rules! {
    TOKEN_MISSING = "TK001" "token-missing" Connect
        "a client without a token is refused unless allow_empty_token = true"
        @ "token/util.lib.lua:210-216";
    KEY_SERVER_HEADER = "TK002" "key-server-header" Connect
        "with asap_key_server, the header must decode and carry a kid and an RS* alg before the \
         key is fetched"
        @ "token/util.lib.lua:223-251";
    ALGORITHM_UNSUPPORTED = "TK003" "algorithm-unsupported" Connect
        "signature_algorithm must be one of HS256 HS384 HS512 RS256 RS384 RS512"
        @ "luajwtjitsi.lib.lua:47-54, 195-197";
    TOKEN_MALFORMED = "TK004" "token-malformed" Connect
        "three base64url parts separated by dots; header and payload are JSON"
        @ "luajwtjitsi.lib.lua:58-91, 199-202";
    TYP_NOT_JWT = "TK005" "typ-not-jwt" Connect
        "the header's typ must be exactly \"JWT\""
        @ "luajwtjitsi.lib.lua:204-207";
    ALG_MISMATCH = "TK006" "alg-mismatch" Connect
        "the header's alg must equal the host's signature_algorithm (default HS256 with \
         app_secret, RS256 with asap_key_server)"
        @ "luajwtjitsi.lib.lua:209-211; token/util.lib.lua:98-105";
    SIGNATURE_INVALID = "TK007" "signature-invalid" Connect
        "the signature must verify with app_secret (HS*) or the public key (RS*)"
        @ "luajwtjitsi.lib.lua:213-216, 28-36, 47-54; token/util.lib.lua:219-255";
    EXP_NOT_NUMBER = "TK008" "exp-not-number" Connect
        "exp, when present (and not false), must be a JSON number"
        @ "luajwtjitsi.lib.lua:218-221";
    NBF_NOT_NUMBER = "TK009" "nbf-not-number" Connect
        "nbf, when present (and not false), must be a JSON number"
        @ "luajwtjitsi.lib.lua:222-225";
    TOKEN_EXPIRED = "TK010" "token-expired" Connect
        "now must be before exp (now >= exp is refused; no leeway)"
        @ "luajwtjitsi.lib.lua:228-230";
    TOKEN_NOT_YET_VALID = "TK011" "token-not-yet-valid" Connect
        "now must not be before nbf (no leeway)"
        @ "luajwtjitsi.lib.lua:232-234";
    ISSUER_NOT_ACCEPTED = "TK012" "issuer-not-accepted" Connect
        "iss must be present and equal an entry of asap_accepted_issuers (default: app_id), \
         unless that list holds \"*\""
        @ "luajwtjitsi.lib.lua:112-123, 236-244; token/util.lib.lua:108";
    AUDIENCE_NOT_ACCEPTED = "TK013" "audience-not-accepted" Connect
        "aud must be present and equal an entry of asap_accepted_audiences (default: \"*\", any \
         value)"
        @ "luajwtjitsi.lib.lua:112-123, 246-254; token/util.lib.lua:111";
    ROOM_CLAIM_MISSING = "TK014" "room-claim-missing" Connect
        "the room claim must be present unless asap_require_room_claim = false"
        @ "token/util.lib.lua:113, 270-275";
    CONTEXT_NOT_TABLE = "TK015" "context-not-object" Connect
        "context, when present, must be a JSON object (Prosody indexes it)"
        @ "token/util.lib.lua:283-303";
    ROOM_MISMATCH = "TK016" "room-mismatch" Join
        "the room claim must be \"*\", the room (case-insensitive), or with context.room.regex a \
         Lua pattern whose match is the room"
        @ "token/util.lib.lua:333-346, 358-391; util.lib.lua:260-270";
    SUB_MISMATCH = "TK017" "sub-mismatch" Join
        "with enable_domain_verification (default true), sub must be the host (no tenant), the \
         tenant, or \"*\" (case-insensitive)"
        @ "token/util.lib.lua:82, 394-424";
    TENANT_WITHOUT_DOMAIN_BASE = "TK018" "tenant-without-domain-base" Join
        "a tenant URL needs muc_mapper_domain_base set for the host"
        @ "token/util.lib.lua:73-79, 404-409";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_ordered_and_cited() {
        for (i, rule) in ALL.iter().enumerate() {
            assert_eq!(rule.code, format!("TK{:03}", i + 1));
            assert!(
                rule.upstream.contains(".lua:"),
                "{} cites no line",
                rule.code
            );
        }
    }
}
