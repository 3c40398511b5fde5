//! Lossless HOCON, for the files Typesafe Config reads (jicofo's `jicofo.conf`).
//!
//! [`parse`] splits the text into tokens that cover every byte (whitespace, comments and line
//! breaks included), parses them with the grammar of Typesafe Config 1.3, the library jicofo
//! reads its configuration with, and exposes every field with exact byte spans into the
//! original text: the key as written, its separator, its value. [`Document::effective`] answers
//! "which field gives the value Typesafe reads at this path" under HOCON's merge rules. Edits
//! are [`Patch`]es against the original text, so every byte outside an edit survives:
//! comments, blank lines, `:` or `=`, commas, tabs, CRLF, a missing final newline. The parser
//! accepts exactly what Typesafe accepts, and a [`SyntaxError`] points at the line Typesafe
//! names (tests/hocon.rs checks both against Typesafe itself).
//!
//! ```
//! use jitsi_tokens::document::hocon;
//!
//! let src = "jicofo {\r\n  # keep me\r\n  authentication: { enabled: true }\r\n}";
//! let doc = hocon::parse(src).unwrap();
//! assert_eq!(doc.to_source_string(), src);
//!
//! let field = doc.effective(&["jicofo", "authentication", "enabled"]).unwrap();
//! assert_eq!(field.value.as_bool(), Some(true));
//! let patch = doc.replace_value(field, "false");
//! assert_eq!(
//!     patch.apply(src).unwrap(),
//!     "jicofo {\r\n  # keep me\r\n  authentication: { enabled: false }\r\n}"
//! );
//! ```
//!
//! ## Limitations
//! - Includes are recorded ([`Document::includes`]), never followed: what an included file sets
//!   is invisible to [`Document::effective`], and a missing `include required(...)` file or an
//!   invalid `url(...)` (which Typesafe refuses) is not noticed.
//! - Substitutions are followed only inside the document. Environment variables and Java system
//!   properties, which Typesafe also consults, are not: a `${?X}` that names nothing in the
//!   document counts as unset, a `${X}` as unresolved.
//! - A concatenation made only of substitutions (`${a} ${b}`) is taken for a string, though
//!   Typesafe merges it when every part is an object.
//! - [`Value::as_bool`] is `None` for a concatenation, even one that spells a boolean
//!   (`"tr""ue"`, which Typesafe reads as `true`).
//! - A `\u` escape naming half of a UTF-16 surrogate pair with no other half decodes to U+FFFD.
//! - Error messages are our own, and the position is always the offending token's. Typesafe
//!   names another line in a few cases: none at all for a key path such as `a..b` (it crashes),
//!   the last line of a triple-quoted string that spans lines, a line count that falls behind
//!   after a substitution spanning lines, and a miscount for an object or list concatenated
//!   with a string.
//! - Typesafe 1.3.1 fails to resolve some valid files (`replaceChild did not find`: an object
//!   after a substitution in a concatenation, holding a duplicate key whose later value holds a
//!   substitution); [`Document::effective`] answers for them as HOCON's rules say.
//! - Objects and arrays nested more than 128 deep are refused, and a chain of more than 16
//!   substitutions counts as a cycle.

mod lexer;
mod lookup;
mod parser;

use std::ops::Range;

use super::{Patch, SyntaxError};

/// Parses a HOCON file (the `.conf` syntax; an empty file is an empty object).
pub fn parse(src: &str) -> Result<Document, SyntaxError> {
    parser::parse(src)
}

/// A parsed HOCON file: the original text, its tokens and what they mean.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    source: String,
    /// The span of every token, in order; together they cover the text.
    tokens: Vec<Range<usize>>,
    fields: Vec<Field>,
    /// The shape of each field's value, for lookups (same index as `fields`).
    nodes: Vec<Node>,
    /// The fields written directly in the root object.
    root: Vec<usize>,
    includes: Vec<Include>,
    /// The path and optionality of each substitution, by the index its token carries.
    subst_paths: Vec<Vec<String>>,
    subst_optional: Vec<bool>,
}

/// One `key separator value` (or `key { ... }`) of an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// The full path from the root: the keys of the enclosing objects, then this key's
    /// elements. Quotes are removed; a quoted `"a.b"` is one element.
    pub path: Vec<String>,
    /// The key as written, possibly dotted or quoted.
    pub key_span: Range<usize>,
    pub separator: Separator,
    /// For `+=`, the value appended.
    pub value: Value,
    /// From the start of the key to the end of the value.
    pub span: Range<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Separator {
    /// `key: value`
    Colon,
    /// `key = value`
    Equals,
    /// `key += value`: appends to the list at `key`.
    PlusEquals,
    /// `key { ... }`
    Brace,
}

/// A value as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Value {
    /// From the first to the last character of the value; surrounding whitespace and comments
    /// excluded.
    pub span: Range<usize>,
    pub kind: ValueKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueKind {
    Object,
    Array,
    String {
        /// The string it stands for (escapes decoded, quotes removed).
        text: String,
        quoting: Quoting,
    },
    /// As written (`1`, `-0.5`, `1e3`).
    Number(String),
    Bool(bool),
    Null,
    /// `${path}` or `${?path}`; `path` is the expression as written between the braces.
    Substitution {
        path: String,
        optional: bool,
    },
    /// Several values on one line, joined (`24 hours`, `${a}/b`, `{ a: 1 } { b: 2 }`).
    Concatenation,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quoting {
    /// `"..."` with JSON escapes.
    Quoted,
    /// `"""..."""`, raw.
    TripleQuoted,
    /// Bare text such as `meet.example.org`.
    Unquoted,
}

/// An include statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Include {
    /// From `include` to the end of the statement.
    pub span: Range<usize>,
    /// The statement as written.
    pub raw: String,
    /// The quoted name, decoded.
    pub target: String,
    pub kind: IncludeKind,
    /// `include required(...)`: Typesafe fails when the resource is missing.
    pub required: bool,
    /// The path of the object the statement stands in (empty at the root).
    pub path: Vec<String>,
    /// Inside a list element (or a `+=` value): the path above does not locate it.
    pub in_array: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncludeKind {
    /// `include "name"`: a file next to this one, else a classpath resource.
    Plain,
    File,
    Classpath,
    Url,
}

/// The shape of a field's value, as far as lookups care.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Node {
    /// Not an object: a string, number, boolean, null, list, or a concatenation of those.
    Leaf,
    /// `+=`: a list that no single field holds.
    Appended,
    /// An object; its direct fields.
    Object(Vec<usize>),
    /// A single substitution, by index.
    Subst(u32),
    /// A concatenation that makes an object: its object and substitution parts, in order.
    ObjectConcat(Vec<Part>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Object(Vec<usize>),
    Subst(u32),
}

impl Document {
    /// The text this document was parsed from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Reprints the document from its tokens: equal to the input byte for byte, which shows
    /// that every byte belongs to a token and none was lost.
    pub fn to_source_string(&self) -> String {
        let mut out = String::with_capacity(self.source.len());
        for span in &self.tokens {
            out.push_str(&self.source[span.clone()]);
        }
        out
    }

    /// Every field in document order, nested ones included (fields inside arrays and inside
    /// `+=` values excluded).
    pub fn fields(&self) -> &[Field] {
        &self.fields
    }

    /// The field whose value is the effective value at `path` under HOCON's merge rules: the
    /// last assignment to exactly `path`, unless a later field assigned a non-object value to a
    /// prefix of `path` (which replaces the whole object): then `None`. Objects assigned to a
    /// prefix merge and hide nothing.
    ///
    /// Substitutions are followed inside the document as Typesafe resolves them: a value that
    /// is `${x}` gives the field at `x` (whose `path` then differs from `path`); a `${?x}` that
    /// names nothing is skipped, so the assignment before it stands; a `${x}` that names
    /// nothing gives the field holding it. A substitution at a prefix of `path` merges or
    /// replaces like the object or value it names.
    ///
    /// Also `None` when no single field holds the value: a list built with `+=`, or an object
    /// made only by later dotted keys (`a.b = 1` after `a = 5`, asked for `a`).
    pub fn effective(&self, path: &[&str]) -> Option<&Field> {
        let q: Vec<String> = path.iter().map(|s| s.to_string()).collect();
        self.effective_index(&q).map(|i| &self.fields[i])
    }

    /// Every field whose path equals `path` (all assignments, not only the effective one).
    pub fn fields_at(&self, path: &[&str]) -> Vec<&Field> {
        self.fields
            .iter()
            .filter(|f| f.path.iter().map(String::as_str).eq(path.iter().copied()))
            .collect()
    }

    /// Every include statement, in document order.
    pub fn includes(&self) -> &[Include] {
        &self.includes
    }

    /// A patch replacing `field`'s value (its span only) by `new_text`, which must be HOCON
    /// value syntax: quote strings with [`quote`]. A `key { ... }` field given a value that is
    /// not an object gets ` = ` in front of it, since only objects may follow a key directly.
    pub fn replace_value(&self, field: &Field, new_text: &str) -> Patch {
        let mut patch = Patch::new();
        if field.separator == Separator::Brace && !new_text.trim_start().starts_with('{') {
            // `a {` -> `a = 42`: the whitespace before the brace is kept.
            patch.replace(field.value.span.clone(), format!("= {new_text}"));
        } else {
            patch.replace(field.value.span.clone(), new_text);
        }
        patch
    }

    /// The string Typesafe's `getString` returns for `value`, when no substitution is
    /// involved: the text of a string, a number as written, `true`/`false`, or the joined text
    /// of a concatenation of those. `None` for objects, arrays, null and substitutions.
    pub fn string_value(&self, value: &Value) -> Option<String> {
        match &value.kind {
            ValueKind::String { text, .. } => Some(text.clone()),
            ValueKind::Number(n) => Some(n.clone()),
            ValueKind::Bool(b) => Some(b.to_string()),
            ValueKind::Concatenation => {
                let text = self.source.get(value.span.clone())?;
                let lexed = lexer::lex(text);
                if lexed.error.is_some() {
                    return None;
                }
                let mut out = String::new();
                for t in &lexed.toks {
                    let raw = &text[t.span.clone()];
                    match t.kind {
                        lexer::Kind::Quoted | lexer::Kind::TripleQuoted => {
                            out.push_str(&lexer::string_text(t.kind, raw));
                        }
                        lexer::Kind::Unquoted
                        | lexer::Kind::Number
                        | lexer::Kind::True
                        | lexer::Kind::False
                        | lexer::Kind::Null
                        | lexer::Kind::Ws { .. } => out.push_str(raw),
                        _ => return None,
                    }
                }
                Some(out)
            }
            _ => None,
        }
    }
}

impl Value {
    /// What Typesafe Config's `getBoolean` returns: `true`/`false`, and the strings `"true"`,
    /// `"yes"`, `"on"`, `"false"`, `"no"`, `"off"` (quoted or not, exactly these). `None` for
    /// anything else.
    pub fn as_bool(&self) -> Option<bool> {
        match &self.kind {
            ValueKind::Bool(b) => Some(*b),
            ValueKind::String { text, .. } => match text.as_str() {
                "true" | "yes" | "on" => Some(true),
                "false" | "no" | "off" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }
}

/// `s` as a quoted HOCON string, with JSON escapes where needed.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
