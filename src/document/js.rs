//! Lossless JavaScript, for configuration scripts such as Jitsi Meet's `config.js`.
//!
//! Parsing uses oxc (a classic script, as browsers load it); this module keeps the original text
//! and exposes what a configuration reader needs, with exact byte spans: variable declarations
//! with object-literal initialisers, assignments to member paths (`a.b.c = value;`), object
//! literals with their properties and commas, and every comment. Edits are [`Patch`]es against the
//! original text, so every other byte survives.
//!
//! Server-side include directives (`<!--# echo var="x" default="" -->`, nginx SSI) are masked with
//! spaces of the same length before parsing: they are only JavaScript after the web server
//! replaces them, so a file with them parses here exactly where it would once served, and the
//! directives themselves are never touched.
//!
//! ```
//! use jitsi_tokens::document::js;
//! let src = "var config = {\n    hosts: {\n        domain: 'a', // me\n    },\n};\n";
//! let doc = js::parse(src).unwrap();
//! let hosts = doc.object_at("config", &["hosts"]).unwrap();
//! let domain = hosts.property("domain").unwrap();
//! let patch = doc.insert_property(hosts, Some(domain), "anon: 'b',");
//! assert_eq!(
//!     patch.apply(src).unwrap(),
//!     "var config = {\n    hosts: {\n        domain: 'a', // me\n        anon: 'b',\n    },\n};\n"
//! );
//! ```
//!
//! ## Limitations
//! - Values other than string literals and object literals are [`ValueKind::Other`].
//! - Assignments are found at the top level and inside top-level blocks and `if` statements
//!   ([`Assignment::nested`]); code inside functions is not modelled.

use std::ops::Range;

use oxc_allocator::Allocator;
use oxc_ast::ast::{self, Expression, ObjectPropertyKind, Statement as JsStatement};
use oxc_parser::Parser;
use oxc_span::{GetSpan, SourceType, Span};

use super::{Patch, SyntaxError, text};

/// A parsed script: the original text plus what was found in it.
#[derive(Debug, Clone)]
pub struct Document {
    source: String,
    variables: Vec<Variable>,
    assignments: Vec<Assignment>,
    comments: Vec<Comment>,
    ssi: Vec<Range<usize>>,
}

/// `var|let|const name = init`.
#[derive(Debug, Clone, PartialEq)]
pub struct Variable {
    pub name: String,
    pub init: Option<Value>,
    /// The whole declaration statement.
    pub statement: Range<usize>,
}

/// An expression statement `a.b.c = value` (operator `=` only).
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    /// `["a", "b", "c"]`.
    pub target: Vec<String>,
    pub value: Value,
    /// The whole statement, `;` included when present.
    pub statement: Range<usize>,
    /// Inside a block or an `if` rather than at the top level.
    pub nested: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Value {
    pub span: Range<usize>,
    pub kind: ValueKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ValueKind {
    String(String),
    Bool(bool),
    Object(Object),
    Other,
}

/// An object literal `{ ... }`.
#[derive(Debug, Clone, PartialEq)]
pub struct Object {
    pub span: Range<usize>,
    pub properties: Vec<Property>,
}

/// `key: value` in an object literal.
#[derive(Debug, Clone, PartialEq)]
pub struct Property {
    /// `None` for computed keys, spreads and methods.
    pub key: Option<String>,
    pub value: Value,
    pub span: Range<usize>,
    /// The `,` after the property, if any.
    pub comma: Option<Range<usize>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub span: Range<usize>,
    /// The text after `//` or between `/*` and `*/`.
    pub text: String,
    pub block: bool,
}

/// Parses `source` as a classic script.
pub fn parse(source: &str) -> Result<Document, SyntaxError> {
    check_nesting(source)?;
    let ssi = ssi_directives(source);
    let masked = mask(source, &ssi);
    let allocator = Allocator::default();
    let ret = Parser::new(&allocator, &masked, SourceType::script()).parse();
    if let Some(diag) = ret.diagnostics.first() {
        let offset = diag
            .labels
            .first()
            .map_or(0, |label| label.offset() as usize);
        return Err(SyntaxError::at(source, offset, diag.message.to_string()));
    }
    // Comments as the parser saw them, HTML-like `<!--` and `-->` ones included (Annex B).
    let comments: Vec<Comment> = ret
        .program
        .comments
        .iter()
        .map(|c| {
            let span = range(c.span);
            let block = source[span.clone()].starts_with("/*");
            let inner = if block {
                &source[span.start + 2..span.end.saturating_sub(2).max(span.start + 2)]
            } else {
                &source[(span.start + 2).min(span.end)..span.end]
            };
            Comment {
                span,
                text: inner.to_string(),
                block,
            }
        })
        .collect();
    let reader = Reader {
        src: &masked,
        comments: &comments,
    };
    let mut variables = Vec::new();
    let mut assignments = Vec::new();
    for stmt in &ret.program.body {
        reader.statement(stmt, false, &mut variables, &mut assignments);
    }
    Ok(Document {
        source: source.to_string(),
        variables,
        assignments,
        comments,
        ssi,
    })
}

/// Every `<!--#` ... `-->` directive.
/// oxc recurses once per nesting level and overflows the stack (an abort, not an error) at a
/// few thousand levels; refuse absurd nesting before parsing. The count is approximate
/// (brackets in strings and comments count too) and the limit far above any config.js.
fn check_nesting(source: &str) -> Result<(), SyntaxError> {
    super::error::refuse_deep_nesting(source, 256)
}

fn ssi_directives(source: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = source[from..].find("<!--#") {
        let start = from + i;
        match source[start..].find("-->") {
            Some(j) => {
                out.push(start..start + j + 3);
                from = start + j + 3;
            }
            None => break,
        }
    }
    out
}

fn mask(source: &str, ranges: &[Range<usize>]) -> String {
    if ranges.is_empty() {
        return source.to_string();
    }
    let mut out = String::with_capacity(source.len());
    let mut pos = 0;
    for r in ranges {
        out.push_str(&source[pos..r.start]);
        // Same byte length, line breaks kept: every span stays valid for the original text.
        for c in source[r.clone()].chars() {
            match c {
                '\n' | '\r' => out.push(c),
                c => out.extend(std::iter::repeat_n(' ', c.len_utf8())),
            }
        }
        pos = r.end;
    }
    out.push_str(&source[pos..]);
    out
}

fn range(span: Span) -> Range<usize> {
    span.start as usize..span.end as usize
}

struct Reader<'s> {
    src: &'s str,
    /// In source order, disjoint.
    comments: &'s [Comment],
}

impl Reader<'_> {
    fn statement(
        &self,
        stmt: &JsStatement,
        nested: bool,
        variables: &mut Vec<Variable>,
        assignments: &mut Vec<Assignment>,
    ) {
        match stmt {
            JsStatement::VariableDeclaration(decl) if !nested => {
                for d in &decl.declarations {
                    if let ast::BindingPattern::BindingIdentifier(id) = &d.id {
                        variables.push(Variable {
                            name: id.name.to_string(),
                            init: d.init.as_ref().map(|e| self.value(e)),
                            statement: range(decl.span),
                        });
                    }
                }
            }
            JsStatement::ExpressionStatement(es) => {
                if let Expression::AssignmentExpression(assign) = &es.expression
                    && assign.operator == ast::AssignmentOperator::Assign
                    && let Some(target) = assign
                        .left
                        .as_simple_assignment_target()
                        .and_then(|t| t.as_member_expression())
                        .and_then(member_path)
                {
                    assignments.push(Assignment {
                        target,
                        value: self.value(&assign.right),
                        statement: range(es.span),
                        nested,
                    });
                }
            }
            JsStatement::BlockStatement(block) => {
                for s in &block.body {
                    self.statement(s, true, variables, assignments);
                }
            }
            JsStatement::IfStatement(stmt) => {
                self.statement(&stmt.consequent, true, variables, assignments);
                if let Some(alt) = &stmt.alternate {
                    self.statement(alt, true, variables, assignments);
                }
            }
            _ => {}
        }
    }

    fn value(&self, expr: &Expression) -> Value {
        let span = range(expr.span());
        let kind = match expr.without_parentheses() {
            Expression::StringLiteral(s) => ValueKind::String(s.value.to_string()),
            Expression::BooleanLiteral(b) => ValueKind::Bool(b.value),
            Expression::ObjectExpression(obj) => ValueKind::Object(self.object(obj)),
            _ => ValueKind::Other,
        };
        Value { span, kind }
    }

    fn object(&self, obj: &ast::ObjectExpression) -> Object {
        let span = range(obj.span);
        let mut properties: Vec<Property> = Vec::with_capacity(obj.properties.len());
        for (i, prop) in obj.properties.iter().enumerate() {
            let pspan = range(prop.span());
            // The comma, if any, is the first `,` between this property and the next one (or
            // the closing brace), outside comments.
            let limit = obj
                .properties
                .get(i + 1)
                .map_or(span.end - 1, |next| next.span().start as usize);
            let comma = self.find_comma(pspan.end, limit);
            let (key, value) = match prop {
                ObjectPropertyKind::ObjectProperty(p) if !p.computed && !p.method => (
                    p.key.static_name().map(|k| k.to_string()),
                    self.value(&p.value),
                ),
                _ => (
                    None,
                    Value {
                        span: pspan.clone(),
                        kind: ValueKind::Other,
                    },
                ),
            };
            properties.push(Property {
                key,
                value,
                span: pspan,
                comma,
            });
        }
        Object { span, properties }
    }

    fn find_comma(&self, from: usize, to: usize) -> Option<Range<usize>> {
        let bytes = self.src.as_bytes();
        let mut next = self.comments.partition_point(|c| c.span.end <= from);
        let mut i = from;
        while i < to {
            if let Some(c) = self.comments.get(next).map(|c| &c.span)
                && c.start <= i
            {
                i = i.max(c.end);
                next += 1;
                continue;
            }
            if bytes[i] == b',' {
                return Some(i..i + 1);
            }
            i += 1;
        }
        None
    }
}

/// `a.b.c` as `["a", "b", "c"]`; `None` for computed or other member expressions.
fn member_path(member: &ast::MemberExpression) -> Option<Vec<String>> {
    let ast::MemberExpression::StaticMemberExpression(m) = member else {
        return None;
    };
    let mut path = match m.object.without_parentheses() {
        Expression::Identifier(id) => vec![id.name.to_string()],
        other => member_path(other.as_member_expression()?)?,
    };
    path.push(m.property.name.to_string());
    Some(path)
}

/// A JavaScript string literal whose value is exactly `value`, in single quotes (the style of
/// Jitsi's config.js). `<` and `>` are escaped too, because config.js may be inlined into an HTML
/// `<script>` element by a server-side include.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '<' => out.push_str("\\x3C"),
            '>' => out.push_str("\\x3E"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c if (c as u32) < 0x20 || c == '\x7f' => out.push_str(&format!("\\x{:02X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

impl Value {
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            ValueKind::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&Object> {
        match &self.kind {
            ValueKind::Object(o) => Some(o),
            _ => None,
        }
    }
}

impl Object {
    /// The last property named `key` (the one a script sees).
    pub fn property(&self, key: &str) -> Option<&Property> {
        self.properties
            .iter()
            .rev()
            .find(|p| p.key.as_deref() == Some(key))
    }
}

impl Document {
    pub fn source(&self) -> &str {
        &self.source
    }

    pub fn variables(&self) -> &[Variable] {
        &self.variables
    }

    pub fn assignments(&self) -> &[Assignment] {
        &self.assignments
    }

    pub fn comments(&self) -> &[Comment] {
        &self.comments
    }

    /// The server-side include directives found (and masked for parsing).
    pub fn ssi_directives(&self) -> &[Range<usize>] {
        &self.ssi
    }

    /// The object literal at `path` inside the initialiser of the variable `var`
    /// (`object_at("config", &["hosts"])` for `var config = { hosts: { ... } }`).
    pub fn object_at(&self, var: &str, path: &[&str]) -> Option<&Object> {
        let init = self
            .variables
            .iter()
            .rev()
            .find(|v| v.name == var)?
            .init
            .as_ref()?;
        let mut obj = init.as_object()?;
        for key in path {
            obj = obj.property(key)?.value.as_object()?;
        }
        Some(obj)
    }

    /// Top-level or nested assignments whose target is exactly `target`, in order.
    pub fn assignments_to<'a>(
        &'a self,
        target: &'a [&str],
    ) -> impl Iterator<Item = &'a Assignment> + 'a {
        self.assignments.iter().filter(move |a| {
            a.target
                .iter()
                .map(String::as_str)
                .eq(target.iter().copied())
        })
    }

    /// Comments that start inside `range`.
    pub fn comments_in(&self, range: Range<usize>) -> impl Iterator<Item = &Comment> {
        self.comments
            .iter()
            .filter(move |c| c.span.start >= range.start && c.span.start < range.end)
    }

    pub fn eol(&self) -> &'static str {
        text::eol(&self.source)
    }

    /// The start of the line after the one holding `offset`, skipping a block comment that
    /// begins on that line.
    pub fn after_line(&self, offset: usize) -> usize {
        let spans = self.comments.iter().filter(|c| c.block).map(|c| &c.span);
        text::after_line(&self.source, offset, spans)
    }

    pub fn replace_value(&self, value: &Value, text: &str) -> Patch {
        let mut patch = Patch::new();
        patch.replace(value.span.clone(), text);
        patch
    }

    /// Inserts `property` (source text such as `key: 'v',`, ending with a comma) into `obj`
    /// after `after` (or as the last property when `None`), on its own line when the object
    /// spans lines. Adds the missing comma after the property it follows; when it becomes the
    /// last property, its own trailing comma follows the object's existing style.
    pub fn insert_property(&self, obj: &Object, after: Option<&Property>, property: &str) -> Patch {
        let src = &self.source;
        let mut patch = Patch::new();
        let body = property.trim_end().trim_end_matches(',');
        let anchor = after.or(obj.properties.last());
        let is_last = anchor.is_none_or(|a| std::ptr::eq(a, obj.properties.last().unwrap()));
        let multiline = src[obj.span.clone()].contains('\n');
        let Some(anchor) = anchor else {
            // Empty object.
            let close = obj.span.end - 1;
            if multiline {
                let indent = format!("{}    ", text::indent_of_line(src, close));
                patch.insert(
                    self.after_line(obj.span.start),
                    format!("{indent}{body},{}", self.eol()),
                );
            } else {
                patch.insert(obj.span.start + 1, format!(" {body} "));
            }
            return patch;
        };
        if let Some(comma) = &anchor.comma
            && src[anchor.span.end..comma.start].contains('\n')
        {
            // Leading-comma style: stay on the anchor's line, the existing comma follows us.
            patch.insert(anchor.span.end, format!(", {body}"));
            return patch;
        }
        let trailing = if is_last {
            anchor.comma.is_some()
        } else {
            true
        };
        if anchor.comma.is_none() {
            patch.insert(anchor.span.end, ",");
        }
        let line = if trailing {
            format!("{body},")
        } else {
            body.to_string()
        };
        let end = anchor.comma.as_ref().map_or(anchor.span.end, |c| c.end);
        // A next property, or the closing brace, on the anchor's own line: a new line after
        // that line would follow it without a comma or land outside the object, so stay on the
        // line, right after the anchor.
        let line_end = self.after_line(end);
        let next_on_line = obj
            .properties
            .iter()
            .any(|p| p.span.start >= end && p.span.start < line_end)
            || obj.span.end - 1 < line_end;
        if multiline && !next_on_line {
            let indent = text::indent_of_line(src, anchor.span.start);
            let at = self.after_line(end);
            if at == src.len() && !src.ends_with('\n') {
                patch.insert(at, format!("{}{indent}{line}", self.eol()));
            } else {
                patch.insert(at, format!("{indent}{line}{}", self.eol()));
            }
        } else {
            patch.insert(end, format!(" {line}"));
        }
        patch
    }

    /// Inserts a statement on its own line after the statement spanning `after`, with that
    /// statement's indentation.
    pub fn insert_statement_after(&self, after: &Range<usize>, statement: &str) -> Patch {
        let src = &self.source;
        let indent = text::indent_of_line(src, after.start);
        let at = self.after_line(after.end);
        let mut patch = Patch::new();
        if at == src.len() && !src.is_empty() && !src.ends_with('\n') {
            patch.insert(at, format!("{}{indent}{statement}", self.eol()));
        } else {
            patch.insert(at, format!("{indent}{statement}{}", self.eol()));
        }
        patch
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    /// Regression (issue 6, found by tests/fuzz.rs): a `,` inside an HTML-like comment
    /// (`<!--` starts a line comment in a classic script, as Node.js and browsers agree) is not
    /// the property's comma; taking it for one left the inserted property without a separator.
    fn html_like_comments_hide_commas() {
        let src = "var config = {\n  hosts: {\n    a: 1 <!-- b: 2, // c\n  },\n};\n";
        let doc = parse(src).unwrap();
        let hosts = doc.object_at("config", &["hosts"]).unwrap();
        assert!(hosts.property("a").unwrap().comma.is_none());
        let out = doc
            .insert_property(hosts, None, "k: 'v',")
            .apply(src)
            .unwrap();
        assert_eq!(
            out,
            "var config = {\n  hosts: {\n    a: 1, <!-- b: 2, // c\n    k: 'v'\n  },\n};\n"
        );
        parse(&out).unwrap();
    }

    #[test]
    fn reads_objects_assignments_and_commas() {
        let src = "var config = { hosts: { domain: 'a' /* , */, muc: \"b\" } };\n\
                   config.hosts.x = 'c';\nif (y) { config.hosts.z = 'd' }\n";
        let doc = parse(src).unwrap();
        let hosts = doc.object_at("config", &["hosts"]).unwrap();
        let domain = hosts.property("domain").unwrap();
        assert_eq!(domain.value.as_str(), Some("a"));
        assert_eq!(&src[domain.comma.clone().unwrap()], ",");
        assert!(src[..domain.comma.clone().unwrap().start].ends_with("*/"));
        assert!(hosts.property("muc").unwrap().comma.is_none());
        let a: Vec<_> = doc.assignments_to(&["config", "hosts", "z"]).collect();
        assert!(a[0].nested);
        assert_eq!(doc.assignments_to(&["config", "hosts", "x"]).count(), 1);
    }

    #[test]
    fn ssi_directives_parse_and_survive() {
        let src = "var subdomain = \"<!--# echo var=\"subdomain\" default=\"\" -->\";\n\
                   <!--# echo var=\"x\" -->\nvar config = {};\n";
        let doc = parse(src).unwrap();
        assert_eq!(doc.ssi_directives().len(), 2);
        assert_eq!(doc.source(), src);
    }

    #[test]
    fn syntax_errors_point_at_the_token() {
        let err = parse("var config = {\n    a: 'x'\n    b: 'y',\n};\n").unwrap_err();
        assert_eq!((err.line, err.column), (3, 5), "{err}");
    }

    #[test]
    fn quote_round_trips() {
        for s in ["it's", "back\\", "</script>", "\u{2028}", "é€"] {
            let src = format!("var x = {};", quote(s));
            let doc = parse(&src).unwrap();
            assert_eq!(doc.variables()[0].init.as_ref().unwrap().as_str(), Some(s));
        }
    }

    /// Regression (issue 6): 10,000 nested brackets overflowed oxc's stack and aborted the
    /// process.
    #[test]
    fn deep_nesting_is_refused_not_a_crash() {
        for (open, close) in [("[", "]"), ("{a:", "}"), ("(", ")")] {
            let src = format!(
                "var config = {}1{};",
                open.repeat(10_000),
                close.repeat(10_000)
            );
            let err = parse(&src).unwrap_err();
            assert!(err.message.contains("nesting"), "{err}");
        }
    }

    #[test]
    fn inserting_keeps_commas_right() {
        let cases = [
            (
                "var c = {\n  a: 1\n};",
                None,
                "var c = {\n  a: 1,\n  k: 'v'\n};",
            ),
            (
                "var c = {\n  a: 1,\n};",
                None,
                "var c = {\n  a: 1,\n  k: 'v',\n};",
            ),
            (
                "var c = {\n  a: 1\n  , b: 2\n};",
                Some("a"),
                "var c = {\n  a: 1, k: 'v'\n  , b: 2\n};",
            ),
            ("var c = { a: 1 };", None, "var c = { a: 1, k: 'v' };"),
            ("var c = {};", None, "var c = { k: 'v' };"),
            // Regression (issue 6, found by tests/fuzz.rs): the next property on the anchor's
            // line; a new line after it would follow `b: 2` without a comma.
            (
                "var c = {\n  a: 1,b: 2 /* c */\n};",
                Some("a"),
                "var c = {\n  a: 1, k: 'v',b: 2 /* c */\n};",
            ),
            // The closing brace on the last property's line.
            (
                "var c = {\n  a: 1,\n  b: 2 };",
                None,
                "var c = {\n  a: 1,\n  b: 2, k: 'v' };",
            ),
        ];
        for (src, after, want) in cases {
            let doc = parse(src).unwrap();
            let obj = doc.variables()[0]
                .init
                .as_ref()
                .unwrap()
                .as_object()
                .unwrap();
            let after = after.and_then(|k| obj.property(k));
            let out = doc
                .insert_property(obj, after, "k: 'v',")
                .apply(src)
                .unwrap();
            parse(&out).unwrap();
            assert_eq!(out, want);
        }
    }
}
