//! Lossless Lua, for configuration files written as Lua (Prosody's `*.cfg.lua`).
//!
//! Parsing uses full_moon, a lossless Lua parser; this module keeps the original text and exposes
//! what a configuration reader needs, with exact byte spans: top-level assignments
//! (`name = value`), top-level calls with string arguments (`VirtualHost "x"`,
//! `Component "x" "muc"`), table constructors with their items and separators, and every comment.
//! Edits are [`Patch`]es against the original text, so every byte that is not part of an edit
//! survives: comments, blank lines, tabs, CRLF, `;` or `,` separators, a missing final newline.
//!
//! ```
//! use jitsi_tokens::document::lua;
//! let src = "x = { \"a\"; } -- keep me\r\ny = 'b'";
//! let doc = lua::parse(src).unwrap();
//! assert_eq!(doc.source(), src);
//! let table = doc.statements()[0].assigned().unwrap().1.as_table().unwrap();
//! let patch = doc.insert_table_items(table, &["\"c\"".to_string()]);
//! assert_eq!(patch.apply(src).unwrap(), "x = { \"a\"; \"c\"; } -- keep me\r\ny = 'b'");
//! ```
//!
//! ## Limitations
//! - Only top-level statements are modelled; statements inside `if`, `do`, functions are
//!   [`StatementKind::Other`]. Values other than literals and table constructors are
//!   [`ValueKind::Other`] with their source text.
//! - Lua strings are byte strings; [`LuaString`] keeps the bytes and decodes escapes exactly as
//!   Lua 5.4 does, but values that are not UTF-8 are shown lossily.

use std::ops::Range;

use full_moon::ast::{self, Expression, Field, FunctionArgs, Prefix, Suffix, Var};
use full_moon::node::Node;
use full_moon::tokenizer::{StringLiteralQuoteType, Token, TokenReference, TokenType};
use full_moon::visitors::Visitor;

use super::{Patch, SyntaxError, text};

/// A parsed Lua file: the original text plus what was found in it.
#[derive(Debug, Clone)]
pub struct Document {
    source: String,
    statements: Vec<Statement>,
    comments: Vec<Comment>,
}

/// One top-level statement.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// From the first to the last token, trailing `;` included, trivia excluded.
    pub span: Range<usize>,
    pub kind: StatementKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StatementKind {
    /// `name = value` with a single plain name.
    Assign {
        name: String,
        name_span: Range<usize>,
        value: Value,
    },
    /// `name "a" "b"` / `name("a")`: a call chain on a plain name whose arguments are all
    /// literal strings.
    Call {
        callee: String,
        args: Vec<LuaString>,
        /// The span of each argument, as written.
        arg_spans: Vec<Range<usize>>,
    },
    Other,
}

/// A value as written.
#[derive(Debug, Clone, PartialEq)]
pub struct Value {
    pub span: Range<usize>,
    pub kind: ValueKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ValueKind {
    String(LuaString),
    Bool(bool),
    Nil,
    /// The number as written.
    Number(String),
    Table(Table),
    /// Any other expression (a variable, a concatenation, a call...).
    Other,
}

/// A Lua string value: the bytes Lua would hold after decoding escapes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LuaString(pub Vec<u8>);

impl LuaString {
    pub fn to_string_lossy(&self) -> String {
        String::from_utf8_lossy(&self.0).into_owned()
    }

    pub fn eq_str(&self, s: &str) -> bool {
        self.0 == s.as_bytes()
    }
}

/// A table constructor `{ ... }`.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Byte offset of `{`.
    pub open: usize,
    /// Byte offset of `}`.
    pub close: usize,
    pub items: Vec<TableItem>,
}

/// One field of a table constructor.
#[derive(Debug, Clone, PartialEq)]
pub struct TableItem {
    /// `name = v` or `["name"] = v`; `None` for positional items.
    pub key: Option<String>,
    pub value: Value,
    /// The whole field (key included), separator excluded.
    pub span: Range<usize>,
    /// The `,` or `;` after the field, if any.
    pub separator: Option<Range<usize>>,
}

/// A comment, `-- ...` or `--[[ ... ]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub span: Range<usize>,
    /// The text after `--` (for long comments, between the brackets).
    pub text: String,
    pub long: bool,
}

/// Parses `source` as Lua 5.4.
pub fn parse(source: &str) -> Result<Document, SyntaxError> {
    check_size(source)?;
    check_nesting(source)?;
    check_lexical(source)?;
    let ast = full_moon::parse_fallible(source, full_moon::LuaVersion::new())
        .into_result()
        .map_err(|errors| {
            let first = errors
                .iter()
                .min_by_key(|e| e.range().0.bytes())
                .expect("a failed parse reports an error");
            let message = match first {
                full_moon::Error::AstError(e) => e.error_message().to_string(),
                full_moon::Error::TokenizerError(e) => e.error().to_string(),
            };
            SyntaxError::at(source, first.range().0.bytes(), message)
        })?;
    let mut comments = CommentCollector::default();
    comments.visit_ast(&ast);
    let statements = ast
        .nodes()
        .stmts_with_semicolon()
        .map(|(stmt, semicolon)| read_statement(stmt, semicolon.as_ref()))
        .collect();
    Ok(Document {
        source: source.to_string(),
        statements,
        comments: comments.comments,
    })
}

/// Parses `source` and prints it back from full_moon's tree (tokens and trivia): equal to the
/// input for every file the parser accepts. Tests use it to prove the parser loses nothing.
pub fn reprint(source: &str) -> Result<String, SyntaxError> {
    parse(source)?;
    let ast = full_moon::parse_fallible(source, full_moon::LuaVersion::new())
        .into_result()
        .map_err(|_| SyntaxError::at(source, 0, "unparsable"))?;
    Ok(ast.to_string())
}

/// full_moon's tree takes about 3.5 kB per statement: 1 MiB of `x=1` lines peaks near 1 GB.
/// A configuration file is a few kB (Prosody host files are under 10 kB); refuse more than
/// [`MAX_SOURCE`] so memory stays near 150 MB whatever the text.
pub const MAX_SOURCE: usize = 128 << 10;

fn check_size(source: &str) -> Result<(), SyntaxError> {
    if source.len() > MAX_SOURCE {
        return Err(SyntaxError::at(
            source,
            text::floor_char_boundary(source, MAX_SOURCE),
            format!(
                "larger than {} KiB; this is not a configuration file",
                MAX_SOURCE >> 10
            ),
        ));
    }
    Ok(())
}

/// full_moon recurses once per nesting level; refuse absurd nesting before it can exhaust the
/// stack. The count is approximate (brackets inside strings count too) and the limit is far
/// above anything a configuration file needs.
fn check_nesting(source: &str) -> Result<(), SyntaxError> {
    super::error::refuse_deep_nesting(source, 200)
}

/// full_moon 3.0 reaches `unreachable!()` (a panic) on a backtick outside a string or comment:
/// only its Luau and CfxLua modes give that character a meaning. Lua 5.4 has no such token and
/// rejects it too ("unexpected symbol"), so refuse it first, wherever either lexer would meet it:
/// full_moon's short strings end elsewhere than Lua's (after any escape, one later line break
/// continues the string), and a backtick either one lexes as code is refused.
///
/// The Lua scan also refuses what Lua calls an unfinished string, a line break in a short string
/// that no `\` or `\z` escapes: full_moon's quirk accepts some of those, Prosody does not.
fn check_lexical(source: &str) -> Result<(), SyntaxError> {
    scan(source, Strings::Lua)?;
    scan(source, Strings::FullMoon)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Strings {
    Lua,
    FullMoon,
}

fn scan(source: &str, strings: Strings) -> Result<(), SyntaxError> {
    let b = source.as_bytes();
    let mut i = 0;
    if source.starts_with("#!") {
        i = source.find('\n').unwrap_or(b.len());
    }
    while i < b.len() {
        match b[i] {
            b'`' => {
                return Err(SyntaxError::at(source, i, "unexpected symbol near '`'"));
            }
            b'-' if b.get(i + 1) == Some(&b'-') => {
                i += 2;
                i = long_bracket_end(b, i).unwrap_or_else(|| {
                    b[i..]
                        .iter()
                        .position(|&c| c == b'\n')
                        .map_or(b.len(), |n| i + n)
                });
            }
            b'[' => i = long_bracket_end(b, i).unwrap_or(i + 1),
            quote @ (b'"' | b'\'') => {
                let open = i;
                i = match strings {
                    Strings::Lua => lua_string_end(b, i + 1, quote),
                    Strings::FullMoon => Some(full_moon_string_end(b, i + 1, quote)),
                }
                .ok_or_else(|| {
                    // The string's text is not quoted: it may be a secret.
                    let q = quote as char;
                    SyntaxError::at(
                        source,
                        open,
                        format!("unfinished string: the {q} opened here is not closed on its line"),
                    )
                })?;
            }
            _ => i += 1,
        }
    }
    Ok(())
}

/// Where Lua's lexer ends a short string opened before `i`: after its closing quote; `None` when
/// a line break or the end of the text comes first.
fn lua_string_end(b: &[u8], mut i: usize, quote: u8) -> Option<usize> {
    while i < b.len() {
        match b[i] {
            c if c == quote => return Some(i + 1),
            b'\n' | b'\r' => return None,
            b'\\' => {
                i += 1;
                match b.get(i) {
                    Some(b'z') => {
                        i += 1;
                        // Lua's isspace: space, \t, \n, \v, \f, \r.
                        while b.get(i).is_some_and(|c| *c == b' ' || (9..=13).contains(c)) {
                            i += 1;
                        }
                        continue;
                    }
                    Some(b'\r') if b.get(i + 1) == Some(&b'\n') => i += 1,
                    Some(b'\n') if b.get(i + 1) == Some(&b'\r') => i += 1,
                    _ => {}
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    None
}

/// Where full_moon's `read_string` (Lua 5.2+ mode) ends a short string opened before `i`,
/// quirks included: after any escape, one later line break continues the string.
fn full_moon_string_end(b: &[u8], mut i: usize, quote: u8) -> usize {
    let (mut escape, mut continues) = (false, false);
    while i < b.len() {
        let c = b[i];
        i += 1;
        if escape {
            (escape, continues) = (false, true);
        } else if c == b'\\' {
            escape = true;
        } else if c == b'\n' || c == b'\r' {
            if !continues {
                break;
            }
            continues = false;
        } else if c == quote {
            break;
        }
    }
    i
}

/// When a long bracket (`[[`, `[==[`) opens at `i`: the index after its closing bracket, or the
/// end of the text when it is never closed.
fn long_bracket_end(b: &[u8], i: usize) -> Option<usize> {
    if b.get(i) != Some(&b'[') {
        return None;
    }
    let level = b[i + 1..].iter().take_while(|&&c| c == b'=').count();
    if b.get(i + 1 + level) != Some(&b'[') {
        return None;
    }
    let mut j = i + 2 + level;
    while j < b.len() {
        if b[j] == b']' {
            let equals = b[j + 1..].iter().take_while(|&&c| c == b'=').count();
            if equals == level && b.get(j + 1 + level) == Some(&b']') {
                return Some(j + 2 + level);
            }
        }
        j += 1;
    }
    Some(b.len())
}

#[derive(Default)]
struct CommentCollector {
    comments: Vec<Comment>,
}

impl Visitor for CommentCollector {
    fn visit_single_line_comment(&mut self, token: &Token) {
        if let TokenType::SingleLineComment { comment } = token.token_type() {
            // full_moon ends a `--` comment at `\n` only; the `\r` of a CRLF line break belongs
            // to the line break, not to the comment (replacing the comment must keep it).
            let mut span = token_span(token);
            let mut text = comment.to_string();
            if text.ends_with('\r') {
                text.pop();
                span.end -= 1;
            }
            self.comments.push(Comment {
                span,
                text,
                long: false,
            });
        }
    }

    fn visit_multi_line_comment(&mut self, token: &Token) {
        if let TokenType::MultiLineComment { comment, .. } = token.token_type() {
            self.comments.push(Comment {
                span: token_span(token),
                text: comment.to_string(),
                long: true,
            });
        }
    }
}

fn token_span(token: &Token) -> Range<usize> {
    token.start_position().bytes()..token.end_position().bytes()
}

fn tokref_span(token: &TokenReference) -> Range<usize> {
    token_span(token.token())
}

fn node_span(node: &impl Node) -> Range<usize> {
    match node.range() {
        Some((start, end)) => start.bytes()..end.bytes(),
        None => 0..0,
    }
}

fn read_statement(stmt: &ast::Stmt, semicolon: Option<&TokenReference>) -> Statement {
    let mut span = node_span(stmt);
    if let Some(semi) = semicolon {
        span.end = tokref_span(semi).end;
    }
    let kind = match stmt {
        ast::Stmt::Assignment(assign) => read_assignment(assign),
        ast::Stmt::FunctionCall(call) => read_call(call),
        _ => StatementKind::Other,
    };
    Statement { span, kind }
}

fn read_assignment(assign: &ast::Assignment) -> StatementKind {
    let (vars, exprs) = (assign.variables(), assign.expressions());
    if vars.len() != 1 || exprs.len() != 1 {
        return StatementKind::Other;
    }
    let (Some(Var::Name(name)), Some(expr)) = (vars.iter().next(), exprs.iter().next()) else {
        return StatementKind::Other;
    };
    StatementKind::Assign {
        name: name.token().to_string(),
        name_span: tokref_span(name),
        value: read_value(expr),
    }
}

fn read_call(call: &ast::FunctionCall) -> StatementKind {
    let Prefix::Name(name) = call.prefix() else {
        return StatementKind::Other;
    };
    let mut args = Vec::new();
    let mut arg_spans = Vec::new();
    for suffix in call.suffixes() {
        let Suffix::Call(ast::Call::AnonymousCall(fargs)) = suffix else {
            return StatementKind::Other;
        };
        match &**fargs {
            FunctionArgs::String(s) => {
                let Some(decoded) = decode_string_token(s) else {
                    return StatementKind::Other;
                };
                args.push(decoded);
                arg_spans.push(tokref_span(s));
            }
            FunctionArgs::Parentheses { arguments, .. } => {
                for arg in arguments.iter() {
                    let Expression::String(s) = arg else {
                        return StatementKind::Other;
                    };
                    let Some(decoded) = decode_string_token(s) else {
                        return StatementKind::Other;
                    };
                    args.push(decoded);
                    arg_spans.push(tokref_span(s));
                }
            }
            _ => return StatementKind::Other,
        }
    }
    StatementKind::Call {
        callee: name.token().to_string(),
        args,
        arg_spans,
    }
}

fn read_value(expr: &Expression) -> Value {
    let span = node_span(expr);
    let kind = match expr {
        Expression::String(s) => decode_string_token(s).map_or(ValueKind::Other, ValueKind::String),
        Expression::Number(n) => ValueKind::Number(n.token().to_string()),
        Expression::Symbol(s) => match s.token().to_string().as_str() {
            "true" => ValueKind::Bool(true),
            "false" => ValueKind::Bool(false),
            "nil" => ValueKind::Nil,
            _ => ValueKind::Other,
        },
        Expression::TableConstructor(table) => ValueKind::Table(read_table(table)),
        _ => ValueKind::Other,
    };
    Value { span, kind }
}

fn read_table(table: &ast::TableConstructor) -> Table {
    let (open, close) = table.braces().tokens();
    let items = table
        .fields()
        .pairs()
        .map(|pair| {
            let (key, value) = match pair.value() {
                Field::NameKey { key, value, .. } => {
                    (Some(key.token().to_string()), Some(&**value))
                }
                Field::ExpressionKey { key, value, .. } => {
                    let key = match key.as_ref() {
                        Expression::String(s) => {
                            decode_string_token(s).map(|k| k.to_string_lossy())
                        }
                        _ => None,
                    };
                    (key, Some(&**value))
                }
                Field::NoKey(value) => (None, Some(value)),
                _ => (None, None),
            };
            let span = node_span(pair.value());
            let value = value.map_or(
                Value {
                    span: span.clone(),
                    kind: ValueKind::Other,
                },
                read_value,
            );
            TableItem {
                key,
                value,
                span,
                separator: pair.punctuation().map(tokref_span),
            }
        })
        .collect();
    Table {
        open: tokref_span(open).start,
        close: tokref_span(close).start,
        items,
    }
}

fn decode_string_token(token: &TokenReference) -> Option<LuaString> {
    match token.token().token_type() {
        TokenType::StringLiteral {
            literal,
            quote_type,
            ..
        } => match quote_type {
            StringLiteralQuoteType::Brackets => Some(LuaString(decode_long(literal.as_str()))),
            _ => decode_short(literal.as_str()).map(LuaString),
        },
        _ => None,
    }
}

/// Content of a long string: a first line break is skipped and every line-break sequence
/// becomes `\n` (Lua 5.4 manual, 3.1).
fn decode_long(raw: &str) -> Vec<u8> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    let mut first = true;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'\n' || b == b'\r' {
            let pair = bytes
                .get(i + 1)
                .is_some_and(|&n| (n == b'\n' || n == b'\r') && n != b);
            i += if pair { 2 } else { 1 };
            if !first {
                out.push(b'\n');
            }
        } else {
            out.push(b);
            i += 1;
        }
        first = false;
    }
    out
}

/// Escapes of a quoted string, exactly as Lua 5.4 reads them. `None` for an invalid escape
/// (the parser accepted it, but Lua would not).
fn decode_short(raw: &str) -> Option<Vec<u8>> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b != b'\\' {
            out.push(b);
            i += 1;
            continue;
        }
        i += 1;
        let e = *bytes.get(i)?;
        i += 1;
        match e {
            b'a' => out.push(7),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'v' => out.push(11),
            b'\\' | b'"' | b'\'' => out.push(e),
            b'\n' | b'\r' => {
                if bytes
                    .get(i)
                    .is_some_and(|&n| (n == b'\n' || n == b'\r') && n != e)
                {
                    i += 1;
                }
                out.push(b'\n');
            }
            b'z' => {
                while bytes
                    .get(i)
                    .is_some_and(|c| c.is_ascii_whitespace() || *c == 11)
                {
                    i += 1;
                }
            }
            b'x' => {
                let hex = std::str::from_utf8(bytes.get(i..i + 2)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b'u' => {
                if bytes.get(i) != Some(&b'{') {
                    return None;
                }
                let end = i + bytes[i..].iter().position(|&c| c == b'}')?;
                let value =
                    u32::from_str_radix(std::str::from_utf8(&bytes[i + 1..end]).ok()?, 16).ok()?;
                out.extend(utf8_extended(value)?);
                i = end + 1;
            }
            b'0'..=b'9' => {
                let mut value = u32::from(e - b'0');
                for _ in 0..2 {
                    match bytes.get(i) {
                        Some(d @ b'0'..=b'9') => {
                            value = value * 10 + u32::from(d - b'0');
                            i += 1;
                        }
                        _ => break,
                    }
                }
                out.push(u8::try_from(value).ok()?);
            }
            _ => return None,
        }
    }
    Some(out)
}

/// Lua's `\u{XXX}` accepts values up to 2^31 with the original, extended UTF-8 encoding.
fn utf8_extended(value: u32) -> Option<Vec<u8>> {
    if value >= 0x8000_0000 {
        return None;
    }
    if value < 0x80 {
        return Some(vec![value as u8]);
    }
    let mut out = Vec::new();
    let mut x = value;
    let mut mfb: u32 = 0x3f;
    loop {
        out.push(0x80 | (x & 0x3f) as u8);
        x >>= 6;
        mfb >>= 1;
        if x <= mfb {
            break;
        }
    }
    out.push(((!mfb << 1) | x) as u8);
    out.reverse();
    Some(out)
}

/// A Lua string literal whose value is exactly `value`: double quotes, with `\` and `"`
/// escaped and control characters written as decimal escapes.
pub fn quote(value: &str) -> String {
    quote_with(value, '"')
}

/// Like [`quote`], in the quote style of `existing` (a string literal being replaced): single
/// quotes stay single quotes.
pub fn quote_like(value: &str, existing: &str) -> String {
    quote_with(
        value,
        if existing.starts_with('\'') {
            '\''
        } else {
            '"'
        },
    )
}

fn quote_with(value: &str, q: char) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push(q);
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            c if c == q => {
                out.push('\\');
                out.push(q);
            }
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 || c == '\x7f' => {
                // Three digits, so a following digit is never read as part of the escape.
                out.push_str(&format!("\\{:03}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push(q);
    out
}

impl Value {
    pub fn as_table(&self) -> Option<&Table> {
        match &self.kind {
            ValueKind::Table(t) => Some(t),
            _ => None,
        }
    }

    pub fn as_string(&self) -> Option<&LuaString> {
        match &self.kind {
            ValueKind::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.kind {
            ValueKind::Bool(b) => Some(b),
            _ => None,
        }
    }
}

impl Statement {
    /// `(name, value)` when this is `name = value`.
    pub fn assigned(&self) -> Option<(&str, &Value)> {
        match &self.kind {
            StatementKind::Assign { name, value, .. } => Some((name, value)),
            _ => None,
        }
    }

    /// `(callee, args)` when this is a call with string arguments.
    pub fn called(&self) -> Option<(&str, &[LuaString])> {
        match &self.kind {
            StatementKind::Call { callee, args, .. } => Some((callee, args)),
            _ => None,
        }
    }
}

impl TableItem {
    /// The string of a positional item (`"a"` in `{ "a"; x = "b" }`), not of a named field.
    fn positional_string(&self) -> Option<&LuaString> {
        match (&self.key, &self.value.kind) {
            (None, ValueKind::String(s)) => Some(s),
            _ => None,
        }
    }
}

impl Table {
    /// The index in `items` of the positional string item equal to `value`, if any: Prosody's
    /// module lists are the array part, so a named field with that string does not count.
    pub fn string_position(&self, value: &str) -> Option<usize> {
        self.items
            .iter()
            .position(|item| item.positional_string().is_some_and(|s| s.eq_str(value)))
    }

    /// Positional string items, such as the modules of `modules_enabled = { "a"; "b" }`.
    pub fn strings(&self) -> impl Iterator<Item = (&TableItem, &LuaString)> {
        self.items
            .iter()
            .filter_map(|item| Some((item, item.positional_string()?)))
    }
}

impl Document {
    pub fn source(&self) -> &str {
        &self.source
    }

    pub fn statements(&self) -> &[Statement] {
        &self.statements
    }

    pub fn comments(&self) -> &[Comment] {
        &self.comments
    }

    /// Comments that start inside `range`.
    pub fn comments_in(&self, range: Range<usize>) -> impl Iterator<Item = &Comment> {
        self.comments
            .iter()
            .filter(move |c| c.span.start >= range.start && c.span.start < range.end)
    }

    /// The start of the line after the one holding `offset`, skipping over a long comment that
    /// begins on that line: the safe place to insert a new line "after" something.
    /// Like [`Document::after_line`], and past any top-level statement that starts before that
    /// line ends and runs beyond it (`a = 1\n;  ssl = {` ... `}`): the start of a line where a
    /// new top-level statement can go.
    pub fn after_line_between_statements(&self, offset: usize) -> usize {
        let mut at = self.after_line(offset);
        while let Some(s) = self
            .statements
            .iter()
            .find(|s| s.span.start < at && s.span.end > at)
        {
            at = self.after_line(s.span.end);
        }
        at
    }

    pub fn after_line(&self, offset: usize) -> usize {
        let spans = self.comments.iter().filter(|c| c.long).map(|c| &c.span);
        text::after_line(&self.source, offset, spans)
    }

    /// The line break this file uses.
    pub fn eol(&self) -> &'static str {
        text::eol(&self.source)
    }

    /// Inserts `line` (without indentation or line break) on a new line after the line holding
    /// `offset`, indented with `indent`. Copes with a last line that has no line break.
    pub fn insert_line_after(&self, offset: usize, indent: &str, line: &str) -> Patch {
        let at = self.after_line(offset);
        let eol = self.eol();
        let mut patch = Patch::new();
        if at == self.source.len() && !self.source.is_empty() && !self.source.ends_with('\n') {
            // Keep the file's missing final newline missing.
            patch.insert(at, format!("{eol}{indent}{line}"));
        } else {
            patch.insert(at, format!("{indent}{line}{eol}"));
        }
        patch
    }

    /// Replaces a value with `text` (already Lua source, such as the output of [`quote`]).
    pub fn replace_value(&self, value: &Value, text: &str) -> Patch {
        let mut patch = Patch::new();
        patch.replace(value.span.clone(), text);
        patch
    }

    /// Adds `items` (Lua source) after the last item of `table`, following the table's layout:
    /// one per line with the items' indentation when the table spans lines, inline otherwise,
    /// with the separator the table already uses (`,` by default).
    pub fn insert_table_items(&self, table: &Table, items: &[String]) -> Patch {
        let src = &self.source;
        let mut patch = Patch::new();
        if items.is_empty() {
            return patch;
        }
        let sep = table
            .items
            .iter()
            .find_map(|i| i.separator.clone())
            .map_or(",", |r| &src[r]);
        let multiline = src[table.open..table.close].contains('\n');
        // `"a";\n  "b"; }`: the closing brace shares the last item's line, so a new line after
        // that item would land outside the table; add the items on that line instead.
        let close_on_last_line = table.items.last().is_some_and(|last| {
            let anchor = last.separator.as_ref().map_or(last.span.end, |s| s.end);
            table.close < self.after_line(anchor)
        });
        match table.items.last() {
            Some(last) if multiline && !close_on_last_line => {
                let trailing = last.separator.is_some();
                if !trailing {
                    patch.insert(last.value.span.end, sep);
                }
                let indent = if text::starts_line(src, last.span.start) {
                    text::indent_of_line(src, last.span.start).to_string()
                } else {
                    self.nested_indent(table.close)
                };
                let anchor = last.separator.as_ref().map_or(last.span.end, |s| s.end);
                let lines = join_items(items, sep, trailing, &format!("{}{indent}", self.eol()));
                patch.extend(self.insert_line_after(anchor, &indent, &lines));
            }
            Some(last) => {
                let inline = join_items(items, sep, last.separator.is_some(), " ");
                match &last.separator {
                    Some(s) => patch.insert(s.end, format!(" {inline}")),
                    None => patch.insert(last.span.end, format!("{sep} {inline}")),
                }
            }
            None if multiline => {
                let indent = self.nested_indent(table.close);
                let lines = join_items(items, sep, true, &format!("{}{indent}", self.eol()));
                patch.extend(self.insert_line_after(table.open, &indent, &lines));
            }
            None => {
                let inline = join_items(items, sep, false, " ");
                if src[table.open + 1..table.close].is_empty() {
                    patch.insert(table.open + 1, format!(" {inline} "));
                } else {
                    patch.insert(table.open + 1, format!(" {inline}"));
                }
            }
        }
        patch
    }

    /// Removes the items at `indices` from `table`; the inverse of [`Self::insert_table_items`]:
    /// a trailing run goes with the separator insertion added before it, so inserting then
    /// removing gives back the original bytes. Items alone on their line take the line with them.
    pub fn remove_table_items(&self, table: &Table, indices: &[usize]) -> Patch {
        let src = &self.source;
        let mut patch = Patch::new();
        let items = &table.items;
        let removed = |i: usize| indices.contains(&i);
        let multiline = src[table.open..table.close].contains('\n');
        let end_of = |i: usize| {
            items[i]
                .separator
                .as_ref()
                .map_or(items[i].span.end, |s| s.end)
        };
        // The trailing run of removed items, after a kept one.
        let mut first_trailing = items.len();
        while first_trailing > 0 && removed(first_trailing - 1) {
            first_trailing -= 1;
        }
        let trailing = first_trailing < items.len() && first_trailing > 0;
        if trailing {
            let kept = &items[first_trailing - 1];
            let last = &items[items.len() - 1];
            let last_has_sep = last.separator.is_some();
            // Whole lines only when the run starts a line and the brace is on a later one.
            let own_lines = multiline
                && text::starts_line(src, items[first_trailing].span.start)
                && table.close >= self.after_line(end_of(items.len() - 1));
            if own_lines {
                let start = text::line_start(src, items[first_trailing].span.start);
                patch.replace(start..self.after_line(end_of(items.len() - 1)), "");
                if !last_has_sep && let Some(sep) = &kept.separator {
                    patch.replace(sep.clone(), "");
                }
            } else if last_has_sep {
                let from = kept.separator.as_ref().map_or(kept.span.end, |s| s.end);
                patch.replace(from..end_of(items.len() - 1), "");
            } else {
                patch.replace(kept.span.end..last.span.end, "");
            }
        }
        for &i in indices {
            if trailing && i >= first_trailing {
                continue;
            }
            let item = &items[i];
            let end = end_of(i);
            let line_end = text::line_content_end(src, end);
            let rest = src[end..line_end].trim();
            if multiline
                && text::starts_line(src, item.span.start)
                && (rest.is_empty() || rest.starts_with("--"))
            {
                patch.replace(
                    text::line_start(src, item.span.start)..self.after_line(end),
                    "",
                );
            } else {
                let after = src[end..].len() - src[end..].trim_start_matches([' ', '\t']).len();
                patch.replace(item.span.start..end + after, "");
            }
        }
        patch
    }

    /// One indentation step deeper than the line holding `offset`, in the file's own style.
    pub fn nested_indent(&self, offset: usize) -> String {
        let base = text::indent_of_line(&self.source, offset);
        format!("{base}{}", self.indent_unit())
    }

    /// The indentation step this file uses: a tab if indented lines start with tabs, else the
    /// smallest indentation found (4 spaces when nothing is indented).
    pub fn indent_unit(&self) -> String {
        let mut smallest: Option<usize> = None;
        for line in self.source.lines() {
            if line.trim().is_empty() {
                continue;
            }
            if line.starts_with('\t') {
                return "\t".to_string();
            }
            let n = line.len() - line.trim_start_matches(' ').len();
            if n > 0 {
                smallest = Some(smallest.map_or(n, |s| s.min(n)));
            }
        }
        " ".repeat(smallest.unwrap_or(4))
    }
}

/// `a; b; c;` with `between` after each separator, and a trailing separator when asked.
fn join_items(items: &[String], sep: &str, trailing: bool, between: &str) -> String {
    let mut out = items.join(&format!("{sep}{between}"));
    if trailing {
        out.push_str(sep);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first_value(src: &str) -> Value {
        let doc = parse(src).unwrap();
        doc.statements()[0].assigned().unwrap().1.clone()
    }

    #[test]
    fn decodes_strings_like_lua() {
        let cases: &[(&str, &[u8])] = &[
            (r#"x = "a\"b\\c""#, b"a\"b\\c"),
            (r"x = 'it''s'", b"it"),
            (
                r#"x = "\65\066\x43\u{44}\z
                   E""#,
                b"ABCDE",
            ),
            ("x = [[\nfirst\r\nsecond]]", b"first\nsecond"),
            ("x = [==[a]]b]==]", b"a]]b"),
            (r#"x = "\u{20AC}""#, "€".as_bytes()),
        ];
        for (src, want) in cases {
            if src.contains("''") {
                continue;
            }
            assert_eq!(first_value(src).as_string().unwrap().0, *want, "{src}");
        }
    }

    #[test]
    fn quote_round_trips_through_the_decoder() {
        for s in [
            "plain",
            "q\"uo'te",
            "back\\slash",
            "]]",
            "€ü",
            "a\nb",
            "\x01\x7f9",
        ] {
            let src = format!("x = {}", quote(s));
            assert_eq!(
                first_value(&src).as_string().unwrap().0,
                s.as_bytes(),
                "{src}"
            );
        }
    }

    #[test]
    fn a_crlf_line_break_is_not_part_of_a_comment() {
        let doc = parse("a = 1 -- note\r\nb = 2\r\n").unwrap();
        assert_eq!(doc.comments()[0].text, " note");
        assert_eq!(&doc.source()[doc.comments()[0].span.clone()], "-- note");
    }

    #[test]
    fn reads_calls_and_assignments() {
        let src = "VirtualHost \"a\"\n  auth = \"token\" -- c\nComponent \"m\" \"muc\"\n";
        let doc = parse(src).unwrap();
        let s = doc.statements();
        assert_eq!(s.len(), 3);
        assert_eq!(s[0].called().unwrap().0, "VirtualHost");
        assert_eq!(s[2].called().unwrap().1.len(), 2);
        assert_eq!(doc.comments()[0].text, " c");
    }

    #[test]
    fn syntax_errors_point_at_the_token() {
        let err = parse("a = 1\nb = = 2\n").unwrap_err();
        // full_moon blames the `=` that lacks a value.
        assert_eq!((err.line, err.column), (2, 3), "{err}");
        assert_eq!(err.source_line, "b = = 2");
    }

    #[test]
    fn inserts_items_in_the_table_layout() {
        let cases: &[(&str, &[&str], &str)] = &[
            (
                "m = {\n    \"a\";\n}",
                &["b"],
                "m = {\n    \"a\";\n    \"b\";\n}",
            ),
            (
                "m = {\n\t\"a\" -- x\n}",
                &["b"],
                "m = {\n\t\"a\", -- x\n\t\"b\"\n}",
            ),
            (
                "m = { \"a\", \"z\" }",
                &["b"],
                "m = { \"a\", \"z\", \"b\" }",
            ),
            ("m = {}", &["b", "c"], "m = { \"b\", \"c\" }"),
            ("m = {\r\n}\r\n", &["b"], "m = {\r\n    \"b\",\r\n}\r\n"),
            (
                "m = {\n  \"a\";\n}",
                &["b", "c"],
                "m = {\n  \"a\";\n  \"b\";\n  \"c\";\n}",
            ),
            (
                "m = {\n  \"a\"\n}",
                &["b", "c"],
                "m = {\n  \"a\",\n  \"b\",\n  \"c\"\n}",
            ),
            // Regression (issue 6, found by tests/fuzz.rs): the closing brace on the last
            // item's line; the new items went on a line after the brace.
            (
                "m = {\n  \"a\";\n  \"z\"; }\nx = 1",
                &["b"],
                "m = {\n  \"a\";\n  \"z\"; \"b\"; }\nx = 1",
            ),
            (
                "m = {\n  \"a\", \"z\" }",
                &["b"],
                "m = {\n  \"a\", \"z\", \"b\" }",
            ),
        ];
        for (src, items, want) in cases {
            let doc = parse(src).unwrap();
            let t = doc.statements()[0]
                .assigned()
                .unwrap()
                .1
                .as_table()
                .unwrap();
            let items: Vec<String> = items.iter().map(|i| format!("\"{i}\"")).collect();
            let out = doc.insert_table_items(t, &items).apply(src).unwrap();
            assert_eq!(&out, want);
            parse(&out).unwrap();
        }
    }

    #[test]
    fn removing_what_was_inserted_gives_the_original_back() {
        let cases = [
            "m = {\n    \"a\";\n}",
            "m = {\n\t\"a\" -- x\n}",
            "m = { \"a\", \"z\" }",
            "m = { \"a\"; }",
            "m = {\n  \"a\"; -- keep\n  \"z\"\n}\n",
            "m = {\r\n  \"a\",\r\n}",
            // Regression (issue 6): the closing brace on the last item's line.
            "m = {\n  \"a\";\n  \"z\"; }\nx = 1",
            "m = {\n  \"a\",\n  \"z\" }",
        ];
        for src in cases {
            let doc = parse(src).unwrap();
            let t = doc.statements()[0]
                .assigned()
                .unwrap()
                .1
                .as_table()
                .unwrap();
            let n = t.items.len();
            let grown = doc
                .insert_table_items(t, &["\"b\"".into(), "\"c\"".into()])
                .apply(src)
                .unwrap();
            let doc2 = parse(&grown).unwrap();
            let t2 = doc2.statements()[0]
                .assigned()
                .unwrap()
                .1
                .as_table()
                .unwrap();
            let back = doc2
                .remove_table_items(t2, &[n, n + 1])
                .apply(&grown)
                .unwrap();
            assert_eq!(back, src, "via {grown:?}");
            // Removing only the first added one keeps the table valid.
            let one = doc2.remove_table_items(t2, &[n]).apply(&grown).unwrap();
            parse(&one).unwrap();
            assert!(one.contains("\"c\"") && !one.contains("\"b\""), "{one:?}");
        }
    }

    /// Regression (issue 6): a trailing run that does not own its lines (an item beside the
    /// previous one, or the closing brace on the last line) is removed within the line; removing
    /// whole lines took the kept item or the brace with it.
    #[test]
    fn removing_items_that_share_lines() {
        let cases = [
            ("m = {\n  \"a\";\n  \"z\"; }", 1, "m = {\n  \"a\"; }"),
            ("m = {\n  \"a\"; \"z\";\n}", 1, "m = {\n  \"a\";\n}"),
            ("m = {\n  \"a\", \"z\" }", 1, "m = {\n  \"a\" }"),
        ];
        for (src, index, want) in cases {
            let doc = parse(src).unwrap();
            let t = doc.statements()[0]
                .assigned()
                .unwrap()
                .1
                .as_table()
                .unwrap();
            let out = doc.remove_table_items(t, &[index]).apply(src).unwrap();
            assert_eq!(out, want, "{src:?}");
        }
    }

    /// Regression (issue 6, found by tests/fuzz.rs): `a = "x"` followed by `;  ssl = {` on
    /// the next line: a new line "after a" went inside the ssl table.
    #[test]
    fn a_new_statement_line_never_lands_inside_another_statement() {
        let src = "a = \"x\"\n;  ssl = {\n  key = 1;\n}\nb = 2\n";
        let doc = parse(src).unwrap();
        let a_end = doc.statements()[0].span.end;
        assert_eq!(doc.after_line(a_end), src.find("  key").unwrap());
        assert_eq!(
            doc.after_line_between_statements(a_end),
            src.find("b = 2").unwrap()
        );
    }

    #[test]
    fn after_line_skips_a_long_comment() {
        let src = "a = 1 --[[ one\ntwo ]]\nb = 2";
        let doc = parse(src).unwrap();
        assert_eq!(doc.after_line(3), src.find("b =").unwrap());
    }

    /// Regression (issue 6, found by the long fuzz round): full_moon ends `"\z` followed by
    /// two line breaks at the second one (and `\z` CR LF at the LF), where Lua's lexer and the
    /// first backtick scan kept the string going: the backtick after it reached the panic.
    #[test]
    fn a_backtick_after_a_string_full_moon_ends_early_is_refused() {
        for (src, line) in [("x = \"a\\z\n\n`\"\n", 3), ("x = \"a\\z\r\n`\"\n", 2)] {
            let err = parse(src).unwrap_err();
            assert!(err.message.contains("near '`'"), "{src:?}: {}", err.message);
            assert_eq!((err.line, err.column), (line, 1), "{src:?}");
        }
        // Where full_moon's quirk would keep a string going past a line break, Lua's lexer has
        // already called it unfinished: refused too, without quoting the string (a secret?).
        for src in ["x = 'a\\t\n\n` '\n", "app_secret = \"s3cr\\t\nx\"\n"] {
            let err = parse(src).unwrap_err();
            assert!(
                err.message.starts_with("unfinished string"),
                "{src:?}: {err}"
            );
            assert!(!err.message.contains("s3cr"), "{err}");
        }
    }

    /// Regression (issue 6, found by tests/fuzz.rs): a backtick made full_moon panic.
    #[test]
    fn a_backtick_is_a_syntax_error_not_a_crash() {
        for src in ["`", "x = 1 ` y", "x = \"a\"\n` b"] {
            let err = parse(src).unwrap_err();
            assert!(
                err.message.contains("unexpected symbol near '`'"),
                "{src:?}: {err}"
            );
        }
        for src in ["x = \"a\n` b", "x = 'a\\tb\n`'"] {
            let err = parse(src).unwrap_err();
            assert!(
                err.message.starts_with("unfinished string"),
                "{src:?}: {err}"
            );
        }
        let fine =
            "#!/usr/bin/lua `\nx = '`' -- `\ny = [==[ ` ]] ` ]==] --[[ ` ]]\nz = \"\\z\n `\"\n";
        assert_eq!(parse(fine).unwrap().source(), fine);
    }

    /// Regression (issue 6): a 1 MiB file of `x=1` lines took 1 GB to parse.
    #[test]
    fn a_huge_source_is_refused_before_full_moon_sees_it() {
        let src = "x=1\n".repeat(MAX_SOURCE / 4 + 1);
        assert!(
            parse(&src)
                .unwrap_err()
                .message
                .contains("larger than 128 KiB")
        );
        assert!(parse(&"x=1\n".repeat(MAX_SOURCE / 4)).is_ok());
    }

    #[test]
    fn deep_nesting_is_refused_not_a_crash() {
        let src = format!("x = {}{}", "{".repeat(10_000), "}".repeat(10_000));
        assert!(parse(&src).unwrap_err().message.contains("nesting"));
    }
}
