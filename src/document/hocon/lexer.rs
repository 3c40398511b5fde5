//! The HOCON tokenizer: one pass over the bytes, every byte in exactly one token.
//!
//! It follows Typesafe Config's tokenizer (1.3): the same forbidden characters, the same number
//! rule (a number is what Java's `Long.parseLong` / `Double.parseDouble` accept, else unquoted
//! text), `true` / `false` / `null` recognised at the start of unquoted text, `#` and `//`
//! comments anywhere outside quotes, and Java's notion of whitespace. Whitespace between two
//! simple values is marked `joining`: it is part of a value concatenation or a key.

use std::ops::Range;

/// What a token is. Simple values are the quoted, unquoted, number, boolean, null and
/// substitution tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// Non-newline whitespace. `joining` when it stands between two simple values.
    Ws {
        joining: bool,
    },
    Newline,
    Comment,
    OpenBrace,
    CloseBrace,
    OpenBracket,
    CloseBracket,
    Colon,
    Equals,
    PlusEquals,
    Comma,
    Quoted,
    TripleQuoted,
    Unquoted,
    Number,
    True,
    False,
    Null,
    /// `${...}` or `${?...}`: an index into [`Lexed::substs`].
    Subst(u32),
}

impl Kind {
    /// A value token other than a substitution: Typesafe's "value or unquoted text".
    fn is_plain_value(self) -> bool {
        matches!(
            self,
            Kind::Quoted
                | Kind::TripleQuoted
                | Kind::Unquoted
                | Kind::Number
                | Kind::True
                | Kind::False
                | Kind::Null
        )
    }

    /// A simple value: what a value concatenation is made of.
    pub(super) fn is_simple(self) -> bool {
        self.is_plain_value() || matches!(self, Kind::Subst(_))
    }

    /// What a key or a path expression is made of: plain values and the whitespace between.
    pub(super) fn is_path_part(self) -> bool {
        self.is_plain_value() || self == (Kind::Ws { joining: true })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Tok {
    pub kind: Kind,
    pub span: Range<usize>,
}

/// A substitution token's parsed contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Subst {
    pub optional: bool,
    /// The text between `${` (or `${?`) and `}`.
    pub expr: Range<usize>,
    /// The path, or why it is not one. Typesafe reports a bad path only after the whole
    /// document parsed, so the parser defers this error.
    pub path: Result<Vec<String>, LexError>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct LexError {
    pub offset: usize,
    pub message: String,
}

#[derive(Debug, Clone)]
pub(super) struct Lexed {
    pub toks: Vec<Tok>,
    pub substs: Vec<Subst>,
    /// The first lexical error; the tokens stop just before it. The parser reports it when it
    /// reaches that point, so an earlier grammar error wins, as in Typesafe.
    pub error: Option<LexError>,
}

/// Characters that end unquoted text and may not start a token of their own (besides the
/// punctuation they are).
fn is_forbidden(b: u8) -> bool {
    matches!(
        b,
        b'$' | b'"'
            | b'{'
            | b'}'
            | b'['
            | b']'
            | b':'
            | b'='
            | b','
            | b'+'
            | b'#'
            | b'`'
            | b'^'
            | b'?'
            | b'!'
            | b'@'
            | b'*'
            | b'&'
            | b'\\'
    )
}

/// Typesafe's whitespace other than `\n`: Java's `Character.isWhitespace` plus the no-break
/// spaces and the byte order mark.
pub(super) fn is_space(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t'
            | '\u{0B}'
            | '\u{0C}'
            | '\r'
            | '\u{1C}'..='\u{1F}'
            | '\u{A0}'
            | '\u{1680}'
            | '\u{2000}'..='\u{200A}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202F}'
            | '\u{205F}'
            | '\u{3000}'
            | '\u{FEFF}'
    )
}

/// Nested `${` inside `${` are always an error; this only bounds the recursion.
const MAX_SUBST_NESTING: u32 = 32;

pub(super) fn lex(src: &str) -> Lexed {
    let mut lx = Lexer {
        src,
        b: src.as_bytes(),
        pos: 0,
        substs: Vec::new(),
    };
    let mut toks = Vec::with_capacity(src.len() / 3 + 1);
    let mut error = None;
    loop {
        match lx.next_token(0) {
            Ok(Some(t)) => push_token(&mut toks, t),
            Ok(None) => break,
            Err(e) => {
                error = Some(e);
                break;
            }
        }
    }
    Lexed {
        toks,
        substs: lx.substs,
        error,
    }
}

/// Pushes `t`, marking the whitespace before it as joining when it separates two simple values.
fn push_token(toks: &mut Vec<Tok>, t: Tok) {
    if t.kind.is_simple() {
        let n = toks.len();
        if n >= 2
            && toks[n - 2].kind.is_simple()
            && let Kind::Ws { joining } = &mut toks[n - 1].kind
        {
            *joining = true;
        }
    }
    toks.push(t);
}

struct Lexer<'a> {
    src: &'a str,
    b: &'a [u8],
    pos: usize,
    substs: Vec<Subst>,
}

impl Lexer<'_> {
    fn err<T>(&self, offset: usize, message: impl Into<String>) -> Result<T, LexError> {
        Err(LexError {
            offset,
            message: message.into(),
        })
    }

    /// Byte length of the non-newline whitespace character at `pos`, or 0.
    fn space_len(&self, pos: usize) -> usize {
        match self.b.get(pos) {
            None | Some(b'\n') => 0,
            Some(&b) if b < 0x80 => usize::from(is_space(b as char)),
            Some(_) => match self.src[pos..].chars().next() {
                Some(c) if is_space(c) => c.len_utf8(),
                _ => 0,
            },
        }
    }

    fn starts_comment(&self, pos: usize) -> bool {
        match self.b.get(pos) {
            Some(b'#') => true,
            Some(b'/') => self.b.get(pos + 1) == Some(&b'/'),
            _ => false,
        }
    }

    fn tok(&mut self, kind: Kind, start: usize, end: usize) -> Result<Option<Tok>, LexError> {
        self.pos = end;
        Ok(Some(Tok {
            kind,
            span: start..end,
        }))
    }

    fn next_token(&mut self, nesting: u32) -> Result<Option<Tok>, LexError> {
        let start = self.pos;
        let Some(&c) = self.b.get(start) else {
            return Ok(None);
        };
        let ws = self.space_len(start);
        if ws > 0 {
            let mut end = start + ws;
            loop {
                let n = self.space_len(end);
                if n == 0 {
                    break;
                }
                end += n;
            }
            return self.tok(Kind::Ws { joining: false }, start, end);
        }
        if self.starts_comment(start) {
            let end = memchr_newline(self.b, start);
            return self.tok(Kind::Comment, start, end);
        }
        let punct = match c {
            b'\n' => Some(Kind::Newline),
            b'{' => Some(Kind::OpenBrace),
            b'}' => Some(Kind::CloseBrace),
            b'[' => Some(Kind::OpenBracket),
            b']' => Some(Kind::CloseBracket),
            b':' => Some(Kind::Colon),
            b'=' => Some(Kind::Equals),
            b',' => Some(Kind::Comma),
            _ => None,
        };
        if let Some(kind) = punct {
            return self.tok(kind, start, start + 1);
        }
        match c {
            b'"' => self.quoted(start),
            b'$' => self.substitution(start, nesting),
            b'+' => {
                if self.b.get(start + 1) == Some(&b'=') {
                    self.tok(Kind::PlusEquals, start, start + 2)
                } else {
                    self.err(
                        start,
                        "`+` is only allowed as `+=`; quote the text if `+` belongs to a string",
                    )
                }
            }
            b'0'..=b'9' | b'-' => self.number(start),
            _ if is_forbidden(c) => self.err(
                start,
                format!(
                    "reserved character `{}` is not allowed outside quotes; quote the text",
                    c as char
                ),
            ),
            _ => self.unquoted(start),
        }
    }

    fn unquoted(&mut self, start: usize) -> Result<Option<Tok>, LexError> {
        let mut p = start;
        while let Some(&c) = self.b.get(p) {
            if c == b'\n' || is_forbidden(c) || self.space_len(p) > 0 || self.starts_comment(p) {
                break;
            }
            p += utf8_len(c);
            // Like Typesafe: `true`, `false` and `null` are keywords when they begin unquoted
            // text, whatever follows (`truefoo` is `true` then `foo`).
            let kind = match &self.b[start..p] {
                b"true" => Some(Kind::True),
                b"null" => Some(Kind::Null),
                b"false" => Some(Kind::False),
                _ => None,
            };
            if let Some(kind) = kind {
                return self.tok(kind, start, p);
            }
        }
        self.tok(Kind::Unquoted, start, p)
    }

    fn number(&mut self, start: usize) -> Result<Option<Tok>, LexError> {
        let mut p = start + 1;
        while let Some(&c) = self.b.get(p) {
            if !matches!(c, b'0'..=b'9' | b'e' | b'E' | b'+' | b'-' | b'.') {
                break;
            }
            p += 1;
        }
        let text = &self.b[start..p];
        if is_java_number(text) {
            return self.tok(Kind::Number, start, p);
        }
        // Not a number after all: unquoted text, unless it holds the one forbidden character
        // that number characters include.
        if let Some(plus) = text.iter().position(|&c| c == b'+') {
            return self.err(
                start + plus,
                "`+` is only allowed as `+=`; quote the text if `+` belongs to a string",
            );
        }
        self.tok(Kind::Unquoted, start, p)
    }

    fn quoted(&mut self, start: usize) -> Result<Option<Tok>, LexError> {
        let mut p = start + 1;
        loop {
            let Some(&c) = self.b.get(p) else {
                return self.err(
                    self.b.len(),
                    format!(
                        "unterminated quoted string (opened at {})",
                        position(self.src, start)
                    ),
                );
            };
            match c {
                b'"' => {
                    p += 1;
                    break;
                }
                b'\\' => p = self.escape(p)?,
                0x00..=0x1F => {
                    return self.err(
                        p,
                        format!(
                            "{} inside a quoted string; write it as an escape such as \\n or \\t",
                            describe_control(c)
                        ),
                    );
                }
                _ => p += 1,
            }
        }
        if p == start + 2 && self.b.get(p) == Some(&b'"') {
            return self.triple_quoted(start);
        }
        self.tok(Kind::Quoted, start, p)
    }

    /// Validates the escape whose backslash is at `p`; returns the offset after it.
    fn escape(&self, p: usize) -> Result<usize, LexError> {
        let Some(&e) = self.b.get(p + 1) else {
            return self.err(
                p,
                "a backslash at the end of the file, inside a quoted string",
            );
        };
        match e {
            b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => Ok(p + 2),
            b'u' => {
                // Java reads four characters and gives them to Integer.parseInt(_, 16), which
                // also takes a leading sign: `\u+041` is "A", `\u-000` is NUL, `\u-001` fails.
                let rest = &self.src[p + 2..];
                let mut chars = rest.char_indices();
                let mut digits = [0u8; 4];
                let mut end = p + 2;
                for d in &mut digits {
                    match chars.next() {
                        None => {
                            return self.err(
                                self.b.len(),
                                "the end of the file inside a \\u escape (it needs 4 hex digits)",
                            );
                        }
                        Some((i, ch)) => {
                            *d = if ch.is_ascii() { ch as u8 } else { b'?' };
                            end = p + 2 + i + ch.len_utf8();
                        }
                    }
                }
                match parse_java_hex(&digits) {
                    Some(v) if v >= 0 => Ok(end),
                    _ => self.err(
                        p,
                        format!(
                            "malformed \\u escape `\\u{}`: it needs 4 hex digits",
                            &self.src[p + 2..end]
                        ),
                    ),
                }
            }
            _ => {
                let ch = self.src[p + 1..].chars().next().unwrap_or('?');
                self.err(
                    p,
                    format!(
                        "`\\{}` is not a valid escape in a quoted string (quoted strings use JSON escapes; write `\\\\` for a backslash)",
                        ch.escape_default()
                    ),
                )
            }
        }
    }

    /// `"""..."""`: raw text up to the first run of three or more quotes; the last three end it.
    fn triple_quoted(&mut self, start: usize) -> Result<Option<Tok>, LexError> {
        let mut p = start + 3;
        let mut quotes = 0;
        loop {
            match self.b.get(p) {
                Some(b'"') => quotes += 1,
                _ if quotes >= 3 => return self.tok(Kind::TripleQuoted, start, p),
                None => {
                    return self.err(
                        self.b.len(),
                        format!(
                            "unterminated triple-quoted string (opened at {})",
                            position(self.src, start)
                        ),
                    );
                }
                Some(_) => quotes = 0,
            }
            p += 1;
        }
    }

    fn substitution(&mut self, start: usize, nesting: u32) -> Result<Option<Tok>, LexError> {
        if self.b.get(start + 1) != Some(&b'{') {
            return self.err(
                start,
                "`$` must start a substitution `${...}`; quote the text if `$` belongs to a string",
            );
        }
        if nesting >= MAX_SUBST_NESTING {
            return self.err(start, "substitutions nested too deeply");
        }
        let mut p = start + 2;
        let optional = self.b.get(p) == Some(&b'?');
        if optional {
            p += 1;
        }
        let expr_start = p;
        self.pos = p;
        let mut inner: Vec<Tok> = Vec::new();
        let close = loop {
            match self.next_token(nesting + 1)? {
                None => {
                    return self.err(start, "unclosed substitution: `${` has no matching `}`");
                }
                Some(t) if t.kind == Kind::CloseBrace => break t.span,
                Some(t) => push_token(&mut inner, t),
            }
        };
        let path = if inner.is_empty() {
            Err(LexError {
                offset: start,
                message: "empty substitution `${}`: it needs a path".into(),
            })
        } else {
            path_of(self.src, &inner, start)
        };
        let index = u32::try_from(self.substs.len()).expect("fewer than 2^32 substitutions");
        self.substs.push(Subst {
            optional,
            expr: expr_start..close.start,
            path,
        });
        self.tok(Kind::Subst(index), start, close.end)
    }
}

/// The path a key or substitution spells: quoted parts are taken whole, other parts split at
/// `.`; an empty element must be quoted. `at` is where an error about the whole path points.
pub(super) fn path_of(src: &str, toks: &[Tok], at: usize) -> Result<Vec<String>, LexError> {
    let mut elements = vec![(String::new(), false)];
    for t in toks {
        let text = &src[t.span.clone()];
        match t.kind {
            Kind::Ws { joining: false } => {}
            Kind::Quoted | Kind::TripleQuoted => {
                let (last, can_be_empty) = elements.last_mut().expect("one element");
                last.push_str(&string_text(t.kind, text));
                if last.is_empty() {
                    *can_be_empty = true;
                }
            }
            kind if kind.is_path_part() => {
                let mut parts = text.split('.');
                let first = parts.next().unwrap_or("");
                elements.last_mut().expect("one element").0.push_str(first);
                for part in parts {
                    elements.push((part.to_string(), false));
                }
            }
            _ => {
                return Err(LexError {
                    offset: t.span.start,
                    message: format!(
                        "{} is not allowed in a path; quote it if it belongs to a key",
                        describe_text(t.kind, text)
                    ),
                });
            }
        }
    }
    if elements.iter().any(|(e, can)| e.is_empty() && !can) {
        return Err(LexError {
            offset: at,
            message:
                "a path may not start or end with `.` or hold `..`; write an empty key as `\"\"`"
                    .into(),
        });
    }
    Ok(elements.into_iter().map(|(e, _)| e).collect())
}

/// The string a quoted or triple-quoted token stands for.
pub(super) fn string_text(kind: Kind, raw: &str) -> String {
    match kind {
        Kind::TripleQuoted => raw[3..raw.len() - 3].to_string(),
        Kind::Quoted => unescape(&raw[1..raw.len() - 1]),
        _ => raw.to_string(),
    }
}

/// Decodes the JSON escapes of an already validated quoted string body.
fn unescape(body: &str) -> String {
    if !body.contains('\\') {
        return body.to_string();
    }
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars();
    let mut pending_high: Option<u32> = None;
    while let Some(c) = chars.next() {
        if c != '\\' {
            flush_surrogate(&mut out, &mut pending_high);
            out.push(c);
            continue;
        }
        let e = chars.next().unwrap_or('\\');
        let decoded = match e {
            'b' => '\u{8}',
            'f' => '\u{C}',
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            'u' => {
                let digits: Vec<u8> = chars.by_ref().take(4).map(|c| c as u8).collect();
                let v = parse_java_hex(&digits).unwrap_or(0xFFFD) as u32;
                match v {
                    0xD800..=0xDBFF => {
                        flush_surrogate(&mut out, &mut pending_high);
                        pending_high = Some(v);
                        continue;
                    }
                    0xDC00..=0xDFFF => {
                        if let Some(high) = pending_high.take() {
                            let cp = 0x10000 + ((high - 0xD800) << 10) + (v - 0xDC00);
                            out.push(char::from_u32(cp).unwrap_or('\u{FFFD}'));
                        } else {
                            out.push('\u{FFFD}');
                        }
                        continue;
                    }
                    _ => char::from_u32(v).unwrap_or('\u{FFFD}'),
                }
            }
            other => other,
        };
        flush_surrogate(&mut out, &mut pending_high);
        out.push(decoded);
    }
    flush_surrogate(&mut out, &mut pending_high);
    out
}

fn flush_surrogate(out: &mut String, pending: &mut Option<u32>) {
    if pending.take().is_some() {
        out.push('\u{FFFD}');
    }
}

/// Java's `Integer.parseInt(s, 16)` on four characters: an optional sign, then hex digits.
fn parse_java_hex(s: &[u8]) -> Option<i32> {
    let (neg, digits) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() {
        return None;
    }
    let mut v: i32 = 0;
    for &d in digits {
        v = v * 16 + (d as char).to_digit(16)? as i32;
    }
    Some(if neg { -v } else { v })
}

/// What Java's `Long.parseLong` (no `.`, `e`, `E`) or `Double.parseDouble` accepts, on text made
/// of `0-9 e E + - .` that starts with a digit or `-`.
fn is_java_number(s: &[u8]) -> bool {
    if !s.iter().any(|c| matches!(c, b'.' | b'e' | b'E')) {
        return std::str::from_utf8(s).is_ok_and(|t| t.parse::<i64>().is_ok());
    }
    let mut i = 0;
    if matches!(s.first(), Some(b'-' | b'+')) {
        i += 1;
    }
    let int_start = i;
    while s.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    let int_digits = i - int_start;
    let mut frac_digits = 0;
    if s.get(i) == Some(&b'.') {
        i += 1;
        let frac_start = i;
        while s.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        frac_digits = i - frac_start;
    }
    if int_digits == 0 && frac_digits == 0 {
        return false;
    }
    if matches!(s.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(s.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        let exp_start = i;
        while s.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == exp_start {
            return false;
        }
    }
    i == s.len()
}

fn utf8_len(first: u8) -> usize {
    match first {
        0x00..=0x7F => 1,
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        _ => 4,
    }
}

fn memchr_newline(b: &[u8], from: usize) -> usize {
    b[from..]
        .iter()
        .position(|&c| c == b'\n')
        .map_or(b.len(), |i| from + i)
}

fn describe_control(c: u8) -> String {
    match c {
        b'\n' => "a line break".into(),
        b'\t' => "a tab".into(),
        _ => format!("control character 0x{c:02x}"),
    }
}

/// `line L, column C` of `offset`, for messages that point back to where something opened.
pub(super) fn position(src: &str, offset: usize) -> String {
    let (line, column) = super::super::text::line_col(src, offset);
    format!("line {line}, column {column}")
}

/// A token as a message shows it.
pub(super) fn describe_text(kind: Kind, text: &str) -> String {
    match kind {
        Kind::Newline => "a line break".into(),
        Kind::Comment => "a comment".into(),
        Kind::Ws { .. } => "whitespace".into(),
        Kind::Subst(_) => format!("the substitution `{}`", shorten(text)),
        _ => format!("`{}`", shorten(text)),
    }
}

fn shorten(text: &str) -> String {
    const MAX: usize = 40;
    if text.chars().count() <= MAX {
        text.to_string()
    } else {
        let cut: String = text.chars().take(MAX).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<Kind> {
        let lexed = lex(src);
        assert!(lexed.error.is_none(), "{:?}", lexed.error);
        lexed.toks.iter().map(|t| t.kind).collect()
    }

    #[test]
    fn numbers_are_what_java_parses() {
        for yes in [
            "0",
            "-1",
            "0123",
            "1.",
            "-.5",
            "1e5",
            "1E+5",
            "1.5e-3",
            "9223372036854775807",
        ] {
            assert!(is_java_number(yes.as_bytes()), "{yes}");
        }
        for no in [
            "-",
            "1e",
            "1.2.3",
            "1-2",
            "9223372036854775808",
            "-.",
            "1e+",
            "--1",
        ] {
            assert!(!is_java_number(no.as_bytes()), "{no}");
        }
    }

    #[test]
    fn keywords_start_unquoted_text() {
        assert_eq!(kinds("truefoo"), [Kind::True, Kind::Unquoted]);
        assert_eq!(kinds("footrue"), [Kind::Unquoted]);
        assert_eq!(kinds("10.0foo"), [Kind::Number, Kind::Unquoted]);
        assert_eq!(kinds("1.2.3"), [Kind::Unquoted]);
    }

    #[test]
    fn whitespace_between_simple_values_joins() {
        assert_eq!(
            kinds("a b : c"),
            [
                Kind::Unquoted,
                Kind::Ws { joining: true },
                Kind::Unquoted,
                Kind::Ws { joining: false },
                Kind::Colon,
                Kind::Ws { joining: false },
                Kind::Unquoted
            ]
        );
    }

    #[test]
    fn comments_cut_unquoted_text() {
        assert_eq!(kinds("a//b"), [Kind::Unquoted, Kind::Comment]);
        assert_eq!(kinds("/a/b"), [Kind::Unquoted]);
    }

    #[test]
    fn java_hex_takes_a_sign() {
        assert_eq!(parse_java_hex(b"+041"), Some(0x41));
        assert_eq!(parse_java_hex(b"-001"), Some(-1));
        assert_eq!(parse_java_hex(b"00g1"), None);
        assert_eq!(unescape("\\u+041\\ud83d\\ude00\\ud800x"), "A😀\u{FFFD}x");
    }
}
