//! The HOCON grammar, as Typesafe Config 1.3 parses a `.conf` file.
//!
//! It mirrors Typesafe's two stages. Grammar errors (what its `ConfigDocumentParser` rejects)
//! stop the parse at once. The checks Typesafe makes only while building values afterwards (a
//! substitution's path, `+=` inside a list, a concatenation that mixes objects or lists with
//! strings, an array at the root) are deferred: the first one is reported only when the whole
//! text parsed, so the error a user sees is the one Typesafe reports.

use std::ops::Range;

use super::lexer::{self, Kind, LexError, Lexed, Tok};
use super::{
    Document, Field, Include, IncludeKind, Node, Part, Quoting, Separator, Value, ValueKind,
};
use crate::document::SyntaxError;

/// Objects and arrays nested deeper than this are refused rather than overflowing the stack.
const MAX_DEPTH: u32 = 128;

/// A token fetched from the stream: `None` is the end of the file.
type Tk = Option<usize>;

pub(super) fn parse(src: &str) -> Result<Document, SyntaxError> {
    let lexed = lexer::lex(src);
    let mut p = Parser {
        src,
        lexed: &lexed,
        i: 0,
        fields: Vec::new(),
        nodes: Vec::new(),
        includes: Vec::new(),
        deferred: None,
        array_depth: 0,
        plus_depth: 0,
        depth: 0,
    };
    let root = p.document()?;
    if let Some(e) = p.deferred {
        return Err(e);
    }
    let Parser {
        fields,
        nodes,
        includes,
        ..
    } = p;
    let subst_paths = lexed
        .substs
        .iter()
        .map(|s| s.path.clone().unwrap_or_default())
        .collect();
    let subst_optional = lexed.substs.iter().map(|s| s.optional).collect();
    Ok(Document {
        source: src.to_string(),
        tokens: lexed.toks.iter().map(|t| t.span.clone()).collect(),
        fields,
        nodes,
        root,
        includes,
        subst_paths,
        subst_optional,
    })
}

struct Parser<'a> {
    src: &'a str,
    lexed: &'a Lexed,
    i: usize,
    fields: Vec<Field>,
    nodes: Vec<Node>,
    includes: Vec<Include>,
    deferred: Option<SyntaxError>,
    array_depth: u32,
    plus_depth: u32,
    depth: u32,
}

/// One piece of a value: a simple token, an object or an array.
struct Piece {
    span: Range<usize>,
    what: PieceKind,
}

enum PieceKind {
    Simple(Kind),
    Object(Vec<usize>),
    Array,
}

/// How Typesafe joins neighbouring pieces of a concatenation.
#[derive(Clone, Copy, PartialEq)]
enum Join {
    Object,
    List,
    /// Unquoted text (whitespace included): an object or list swallows it.
    Unquoted,
    /// Anything with a string form: quoted text, numbers, booleans, null, joined strings.
    Text,
    /// A substitution: joined only when resolved.
    Subst,
}

/// In an include, the part of an unquoted token left after `required(`, `file(` or `)`.
enum Item {
    Tok(Tk),
    Frag(Range<usize>),
}

impl<'a> Parser<'a> {
    fn tok(&self, i: usize) -> &'a Tok {
        &self.lexed.toks[i]
    }

    fn kind(&self, t: Tk) -> Option<Kind> {
        t.map(|i| self.tok(i).kind)
    }

    fn text(&self, i: usize) -> &'a str {
        &self.src[self.tok(i).span.clone()]
    }

    fn offset(&self, t: Tk) -> usize {
        t.map_or(self.src.len(), |i| self.tok(i).span.start)
    }

    fn err_at(&self, offset: usize, message: impl Into<String>) -> SyntaxError {
        SyntaxError::at(self.src, offset, message)
    }

    fn lex_err(&self, e: &LexError) -> SyntaxError {
        self.err_at(e.offset, e.message.clone())
    }

    fn describe(&self, t: Tk) -> String {
        match t {
            None => "the end of the file".into(),
            Some(i) => lexer::describe_text(self.tok(i).kind, self.text(i)),
        }
    }

    /// The next token, whatever it is. Reaching the lexical error reports it.
    fn raw(&mut self) -> Result<Tk, SyntaxError> {
        if self.i < self.lexed.toks.len() {
            self.i += 1;
            Ok(Some(self.i - 1))
        } else if let Some(e) = &self.lexed.error {
            Err(self.lex_err(e))
        } else {
            Ok(None)
        }
    }

    fn put_back(&mut self, t: Tk) {
        if t.is_some() {
            self.i -= 1;
        }
    }

    /// The next token that is not whitespace, a comment or a line break.
    fn significant(&mut self) -> Result<Tk, SyntaxError> {
        loop {
            let t = self.raw()?;
            match self.kind(t) {
                Some(Kind::Ws { .. } | Kind::Comment | Kind::Newline) => continue,
                _ => return Ok(t),
            }
        }
    }

    fn defer(&mut self, e: SyntaxError) {
        if self.deferred.is_none() {
            self.deferred = Some(e);
        }
    }

    fn enter(&mut self, at: usize) -> Result<(), SyntaxError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.err_at(at, "objects and arrays are nested too deeply"));
        }
        Ok(())
    }

    /// The whole file: an object with or without braces. Returns the root's direct fields.
    fn document(&mut self) -> Result<Vec<usize>, SyntaxError> {
        let t = self.significant()?;
        let root = match self.kind(t) {
            Some(Kind::OpenBrace) => self.object(t, &[], true)?.0,
            Some(Kind::OpenBracket) => {
                let at = self.offset(t);
                self.array(t, &[])?;
                // Typesafe parses the array, then refuses it as a file's root.
                self.defer(self.err_at(
                    at,
                    "the root of a HOCON file must be an object, not an array",
                ));
                Vec::new()
            }
            _ => {
                self.put_back(t);
                self.object(None, &[], true)?.0
            }
        };
        let t = self.significant()?;
        if t.is_some() {
            return Err(self.err_at(
                self.offset(t),
                format!(
                    "unexpected {} after the root object has been closed",
                    self.describe(t)
                ),
            ));
        }
        Ok(root)
    }

    /// An object after its `{` (`open`), or the brace-less root (`open` is `None`). Returns the
    /// direct fields it recorded and the end of its span.
    fn object(
        &mut self,
        open: Tk,
        path: &[String],
        record: bool,
    ) -> Result<(Vec<usize>, usize), SyntaxError> {
        let start = self.offset(open);
        self.enter(start)?;
        let mut children = Vec::new();
        let end = loop {
            let t = self.significant()?;
            match self.kind(t) {
                Some(Kind::CloseBrace) => {
                    if open.is_none() {
                        return Err(self.unbalanced(t));
                    }
                    break self.tok(t.expect("a token")).span.end;
                }
                None if open.is_none() => break self.src.len(),
                None => {
                    return Err(self.err_at(
                        self.src.len(),
                        format!(
                            "unclosed `{{` (opened at {}): expected `}}` before the end of the file",
                            lexer::position(self.src, start)
                        ),
                    ));
                }
                Some(Kind::Unquoted) if self.text(t.expect("a token")) == "include" => {
                    self.include(t.expect("a token"), path)?;
                }
                _ => self.field(t, path, record, &mut children)?,
            }
            if !self.element_separator()? {
                let t = self.significant()?;
                match (self.kind(t), open) {
                    (Some(Kind::CloseBrace), None) => return Err(self.unbalanced(t)),
                    (Some(Kind::CloseBrace), Some(_)) => {
                        break self.tok(t.expect("a token")).span.end;
                    }
                    (None, None) => break self.src.len(),
                    (_, Some(_)) => {
                        return Err(self.err_at(
                            self.offset(t),
                            format!(
                                "expected `,`, a line break or `}}` after the field, found {}",
                                self.describe(t)
                            ),
                        ));
                    }
                    (_, None) => {
                        return Err(self.err_at(
                            self.offset(t),
                            format!(
                                "expected `,` or a line break after the field, found {}; quote the value if it holds `:` or `=`",
                                self.describe(t)
                            ),
                        ));
                    }
                }
            }
        };
        self.depth -= 1;
        Ok((children, end))
    }

    fn unbalanced(&self, t: Tk) -> SyntaxError {
        self.err_at(
            self.offset(t),
            "unbalanced `}`: there is no `{` for it to close",
        )
    }

    /// After a field or an element: skips to a `,` (consumed) or past line breaks. True when
    /// either was there.
    fn element_separator(&mut self) -> Result<bool, SyntaxError> {
        let mut saw_newline = false;
        loop {
            let t = self.raw()?;
            match self.kind(t) {
                Some(Kind::Ws { .. } | Kind::Comment) => {}
                Some(Kind::Newline) => saw_newline = true,
                Some(Kind::Comma) => return Ok(true),
                _ => {
                    self.put_back(t);
                    return Ok(saw_newline);
                }
            }
        }
    }

    /// `key sep value` or `key { ... }`, starting at `t`.
    fn field(
        &mut self,
        t: Tk,
        path: &[String],
        record: bool,
        children: &mut Vec<usize>,
    ) -> Result<(), SyntaxError> {
        // The key: simple values and the whitespace between them, up to anything else.
        let first = match t {
            Some(i) if self.tok(i).kind.is_path_part() => i,
            _ => {
                return Err(self.err_at(
                    self.offset(t),
                    format!("expected a key or `}}`, found {}", self.describe(t)),
                ));
            }
        };
        let mut last = first;
        // A lexical error right after the key is reported after the key's own path error, as
        // Typesafe checks the path first.
        while self.i < self.lexed.toks.len() {
            let n = self.raw()?;
            if self.kind(n).is_some_and(Kind::is_path_part) {
                last = n.expect("a key token");
            } else {
                self.put_back(n);
                break;
            }
        }
        let key_span = self.tok(first).span.start..self.tok(last).span.end;
        let key_toks = &self.lexed.toks[first..=last];
        let key_path =
            lexer::path_of(self.src, key_toks, key_span.start).map_err(|e| self.lex_err(&e))?;
        let mut full: Vec<String> = path.to_vec();
        full.extend(key_path);

        let after = self.significant()?;
        let separator = match self.kind(after) {
            Some(Kind::OpenBrace) => Separator::Brace,
            Some(Kind::Colon) => Separator::Colon,
            Some(Kind::Equals) => Separator::Equals,
            Some(Kind::PlusEquals) => Separator::PlusEquals,
            _ => {
                return Err(self.err_at(
                    self.offset(after),
                    format!(
                        "key `{}` must be followed by `=`, `:`, `+=` or `{{`, found {}",
                        &self.src[key_span.clone()],
                        self.describe(after)
                    ),
                ));
            }
        };
        if separator == Separator::PlusEquals && (self.array_depth > 0 || self.plus_depth > 0) {
            // Typesafe's own limitation (lightbend/config#160), checked while building values.
            self.defer(self.err_at(
                self.offset(after),
                "`+=` cannot be used inside a list (nor inside the value of another `+=`): Typesafe Config refuses it",
            ));
        }

        let index = self.fields.len();
        if record {
            children.push(index);
            self.fields.push(Field {
                path: full.clone(),
                key_span: key_span.clone(),
                separator,
                value: Value {
                    span: 0..0,
                    kind: ValueKind::Null,
                },
                span: key_span.clone(),
            });
            self.nodes.push(Node::Leaf);
        }
        let appended = separator == Separator::PlusEquals;
        if appended {
            self.plus_depth += 1;
        }
        let record_inner = record && !appended;
        let parsed = if separator == Separator::Brace {
            let (kids, end) = self.object(after, &full, record_inner)?;
            Some((
                Value {
                    span: self.offset(after)..end,
                    kind: ValueKind::Object,
                },
                Node::Object(kids),
            ))
        } else {
            self.value(&full, record_inner)?
        };
        if appended {
            self.plus_depth -= 1;
        }
        let Some((value, mut node)) = parsed else {
            let t = self.significant()?;
            return Err(self.err_at(
                self.offset(t),
                format!(
                    "expected a value for key `{}`, found {}",
                    &self.src[key_span],
                    self.describe(t)
                ),
            ));
        };
        if record {
            if appended {
                node = Node::Appended;
            }
            let f = &mut self.fields[index];
            f.span = f.key_span.start..value.span.end;
            f.value = value;
            self.nodes[index] = node;
        }
        Ok(())
    }

    /// A value: one or more pieces on one line (a value concatenation), after skipping line
    /// breaks and comments before it. `None` (nothing consumed) when no value starts here.
    fn value(
        &mut self,
        path: &[String],
        record: bool,
    ) -> Result<Option<(Value, Node)>, SyntaxError> {
        let mut t = self.significant()?;
        let mut pieces: Vec<Piece> = Vec::new();
        loop {
            match self.kind(t) {
                Some(Kind::Ws { joining: false }) if !pieces.is_empty() => {}
                Some(k) if k.is_simple() || k == (Kind::Ws { joining: true }) => {
                    let i = t.expect("a token");
                    if let Kind::Subst(s) = k
                        && let Err(e) = &self.lexed.substs[s as usize].path
                    {
                        self.defer(self.lex_err(e));
                    }
                    pieces.push(Piece {
                        span: self.tok(i).span.clone(),
                        what: PieceKind::Simple(k),
                    });
                }
                Some(Kind::OpenBrace) => {
                    let start = self.offset(t);
                    let (kids, end) = self.object(t, path, record)?;
                    pieces.push(Piece {
                        span: start..end,
                        what: PieceKind::Object(kids),
                    });
                }
                Some(Kind::OpenBracket) => {
                    let start = self.offset(t);
                    let end = self.array(t, path)?;
                    pieces.push(Piece {
                        span: start..end,
                        what: PieceKind::Array,
                    });
                }
                _ => break,
            }
            t = self.raw()?;
        }
        self.put_back(t);
        if pieces.is_empty() {
            return Ok(None);
        }
        let span = pieces[0].span.start..pieces[pieces.len() - 1].span.end;
        if pieces.len() == 1 {
            let piece = pieces.pop().expect("one piece");
            return Ok(Some(self.single(piece)));
        }
        self.check_concatenation(&pieces);
        let mut parts = Vec::new();
        let mut object = false;
        let mut list = false;
        for piece in pieces {
            match piece.what {
                PieceKind::Object(kids) => {
                    object = true;
                    parts.push(Part::Object(kids));
                }
                PieceKind::Array => list = true,
                PieceKind::Simple(Kind::Subst(s)) => parts.push(Part::Subst(s)),
                PieceKind::Simple(_) => {}
            }
        }
        let node = if object && !list {
            Node::ObjectConcat(parts)
        } else {
            Node::Leaf
        };
        Ok(Some((
            Value {
                span,
                kind: ValueKind::Concatenation,
            },
            node,
        )))
    }

    fn single(&self, piece: Piece) -> (Value, Node) {
        let text = &self.src[piece.span.clone()];
        let (kind, node) = match piece.what {
            PieceKind::Object(kids) => (ValueKind::Object, Node::Object(kids)),
            PieceKind::Array => (ValueKind::Array, Node::Leaf),
            PieceKind::Simple(k) => {
                let kind = match k {
                    Kind::Quoted => ValueKind::String {
                        text: lexer::string_text(k, text),
                        quoting: Quoting::Quoted,
                    },
                    Kind::TripleQuoted => ValueKind::String {
                        text: lexer::string_text(k, text),
                        quoting: Quoting::TripleQuoted,
                    },
                    Kind::Number => ValueKind::Number(text.to_string()),
                    Kind::True => ValueKind::Bool(true),
                    Kind::False => ValueKind::Bool(false),
                    Kind::Null => ValueKind::Null,
                    Kind::Subst(s) => {
                        let sub = &self.lexed.substs[s as usize];
                        let expr = self.src[sub.expr.clone()].trim_matches(lexer::is_space);
                        let node = Node::Subst(s);
                        return (
                            Value {
                                span: piece.span,
                                kind: ValueKind::Substitution {
                                    path: expr.to_string(),
                                    optional: sub.optional,
                                },
                            },
                            node,
                        );
                    }
                    _ => ValueKind::String {
                        text: text.to_string(),
                        quoting: Quoting::Unquoted,
                    },
                };
                (kind, Node::Leaf)
            }
        };
        (
            Value {
                span: piece.span,
                kind,
            },
            node,
        )
    }

    /// Typesafe joins the pieces left to right while it builds the value: objects merge with
    /// objects, lists with lists, and either swallows unquoted text after it; substitutions
    /// wait for resolution; anything else next to an object or a list is an error.
    fn check_concatenation(&mut self, pieces: &[Piece]) {
        let mut left: Option<(Join, usize)> = None;
        for piece in pieces {
            let right = match &piece.what {
                PieceKind::Object(_) => Join::Object,
                PieceKind::Array => Join::List,
                PieceKind::Simple(Kind::Subst(_)) => Join::Subst,
                PieceKind::Simple(Kind::Unquoted | Kind::Ws { .. }) => Join::Unquoted,
                PieceKind::Simple(_) => Join::Text,
            };
            let Some((l, start)) = left else {
                left = Some((right, piece.span.start));
                continue;
            };
            let joined = match (l, right) {
                (Join::Subst, _) | (_, Join::Subst) => None,
                (Join::Object, Join::Object) => Some(Join::Object),
                (Join::List, Join::List) => Some(Join::List),
                (Join::Object | Join::List, Join::Unquoted) => Some(l),
                (Join::Object | Join::List, _) | (_, Join::Object | Join::List) => {
                    let what = |j: Join| match j {
                        Join::Object => "an object",
                        Join::List => "a list",
                        _ => "a string",
                    };
                    self.defer(self.err_at(
                        start,
                        format!(
                            "cannot concatenate {} with {} (at {}): objects and lists join only with their own kind",
                            what(l),
                            what(right),
                            lexer::position(self.src, piece.span.start)
                        ),
                    ));
                    return;
                }
                _ => Some(Join::Text),
            };
            left = Some(match joined {
                Some(j) => (j, start),
                None => (right, piece.span.start),
            });
        }
    }

    /// An array after its `[`; returns the end of its span.
    fn array(&mut self, open: Tk, path: &[String]) -> Result<usize, SyntaxError> {
        let start = self.offset(open);
        self.enter(start)?;
        self.array_depth += 1;
        let mut first = true;
        let end = loop {
            if !first && !self.element_separator()? {
                let t = self.significant()?;
                if self.kind(t) == Some(Kind::CloseBracket) {
                    break self.tok(t.expect("a token")).span.end;
                }
                return Err(self.array_error(t, start, "expected `,`, a line break or `]`"));
            }
            if self.value(path, false)?.is_none() {
                let t = self.significant()?;
                match self.kind(t) {
                    Some(Kind::CloseBracket) if first => {
                        break self.tok(t.expect("a token")).span.end;
                    }
                    Some(Kind::CloseBracket) => self.put_back(t),
                    _ => {
                        return Err(self.array_error(t, start, "expected a list element"));
                    }
                }
            }
            first = false;
        };
        self.array_depth -= 1;
        self.depth -= 1;
        Ok(end)
    }

    fn array_error(&self, t: Tk, start: usize, what: &str) -> SyntaxError {
        if t.is_none() {
            return self.err_at(
                self.src.len(),
                format!(
                    "unclosed `[` (opened at {}): expected `]` before the end of the file",
                    lexer::position(self.src, start)
                ),
            );
        }
        self.err_at(
            self.offset(t),
            format!("{what}, found {}", self.describe(t)),
        )
    }

    /// `include "x"`, `include file("x")`, `include required(classpath("x"))`, ... after the
    /// `include` token. Typesafe reads `file(` and `)` as parts of unquoted text, so this works
    /// on fragments of unquoted tokens as it does.
    fn include(&mut self, keyword: usize, path: &[String]) -> Result<(), SyntaxError> {
        let start = self.tok(keyword).span.start;
        let mut pending: Option<Range<usize>> = None;
        let mut required = false;
        let first = self.item(&mut pending)?;
        let (kind, target, mut end) = match self.unquoted_of(&first) {
            Some(r) if self.src[r.clone()].starts_with("required(") => {
                required = true;
                let rest = r.start + "required(".len()..r.end;
                if !rest.is_empty() {
                    pending = Some(rest);
                }
                let resource = self.include_resource(&mut pending)?;
                let end = self.close_paren(&mut pending)?;
                (resource.0, resource.1, end)
            }
            _ => {
                self.push_back(first, &mut pending);
                self.include_resource(&mut pending)?
            }
        };
        if let Some(frag) = pending {
            return Err(self.err_at(
                frag.start,
                format!(
                    "expected `,` or a line break after the include, found `{}`",
                    &self.src[frag]
                ),
            ));
        }
        end = end.max(start);
        self.includes.push(Include {
            span: start..end,
            raw: self.src[start..end].to_string(),
            target,
            kind,
            required,
            path: path.to_vec(),
            in_array: self.array_depth > 0 || self.plus_depth > 0,
        });
        Ok(())
    }

    fn item(&mut self, pending: &mut Option<Range<usize>>) -> Result<Item, SyntaxError> {
        if let Some(frag) = pending.take() {
            return Ok(Item::Frag(frag));
        }
        Ok(Item::Tok(self.significant()?))
    }

    fn push_back(&mut self, item: Item, pending: &mut Option<Range<usize>>) {
        match item {
            Item::Tok(t) => self.put_back(t),
            Item::Frag(f) => *pending = Some(f),
        }
    }

    fn unquoted_of(&self, item: &Item) -> Option<Range<usize>> {
        match item {
            Item::Frag(f) => Some(f.clone()),
            Item::Tok(Some(i)) if self.tok(*i).kind == Kind::Unquoted => {
                Some(self.tok(*i).span.clone())
            }
            _ => None,
        }
    }

    fn item_offset(&self, item: &Item) -> usize {
        match item {
            Item::Frag(f) => f.start,
            Item::Tok(t) => self.offset(*t),
        }
    }

    fn item_describe(&self, item: &Item) -> String {
        match item {
            Item::Frag(f) => format!("`{}`", &self.src[f.clone()]),
            Item::Tok(t) => self.describe(*t),
        }
    }

    /// A quoted name, or `file(`/`classpath(`/`url(` + quoted name + `)`.
    fn include_resource(
        &mut self,
        pending: &mut Option<Range<usize>>,
    ) -> Result<(IncludeKind, String, usize), SyntaxError> {
        let item = self.item(pending)?;
        if let Some(r) = self.unquoted_of(&item) {
            let text = &self.src[r.clone()];
            let kind = [
                ("url(", IncludeKind::Url),
                ("file(", IncludeKind::File),
                ("classpath(", IncludeKind::Classpath),
            ]
            .into_iter()
            .find(|(prefix, _)| text.starts_with(prefix));
            let Some((prefix, kind)) = kind else {
                return Err(self.err_at(
                    r.start,
                    format!(
                        "include must be followed by a quoted file name, file(\"…\"), classpath(\"…\") or url(\"…\") with no space before `(`, found `{text}`"
                    ),
                ));
            };
            let rest = r.start + prefix.len()..r.end;
            if !rest.is_empty() {
                *pending = Some(rest);
            }
            let name = self.item(pending)?;
            let target = match &name {
                Item::Tok(Some(i))
                    if matches!(self.tok(*i).kind, Kind::Quoted | Kind::TripleQuoted) =>
                {
                    lexer::string_text(self.tok(*i).kind, self.text(*i))
                }
                _ => {
                    return Err(self.err_at(
                        self.item_offset(&name),
                        format!(
                            "expected a quoted file name inside `{prefix})`, found {}",
                            self.item_describe(&name)
                        ),
                    ));
                }
            };
            let end = self.close_paren(pending)?;
            return Ok((kind, target, end));
        }
        match item {
            Item::Tok(Some(i)) if matches!(self.tok(i).kind, Kind::Quoted | Kind::TripleQuoted) => {
                Ok((
                    IncludeKind::Plain,
                    lexer::string_text(self.tok(i).kind, self.text(i)),
                    self.tok(i).span.end,
                ))
            }
            other => Err(self.err_at(
                self.item_offset(&other),
                format!(
                    "include must be followed by a quoted file name, found {}",
                    self.item_describe(&other)
                ),
            )),
        }
    }

    /// A `)` at the start of unquoted text; what follows it in that text stays pending.
    fn close_paren(&mut self, pending: &mut Option<Range<usize>>) -> Result<usize, SyntaxError> {
        let item = self.item(pending)?;
        match self.unquoted_of(&item) {
            Some(r) if self.src[r.clone()].starts_with(')') => {
                if r.end > r.start + 1 {
                    *pending = Some(r.start + 1..r.end);
                }
                Ok(r.start + 1)
            }
            _ => Err(self.err_at(
                self.item_offset(&item),
                format!("expected `)`, found {}", self.item_describe(&item)),
            )),
        }
    }
}
