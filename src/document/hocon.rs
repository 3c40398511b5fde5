//! Lossless HOCON: placeholder with the agreed API until the real layer lands (branch `hocon`).

use std::ops::Range;

use super::{Patch, SyntaxError};

#[derive(Debug, Clone)]
pub struct Document {
    source: String,
    fields: Vec<Field>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub path: Vec<String>,
    pub key_span: Range<usize>,
    pub value: Value,
    pub span: Range<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Value {
    pub span: Range<usize>,
    pub kind: ValueKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ValueKind {
    Object,
    Bool(bool),
    Substitution { path: String, optional: bool },
    Concatenation,
}

impl Value {
    pub fn as_bool(&self) -> Option<bool> {
        match self.kind {
            ValueKind::Bool(b) => Some(b),
            _ => None,
        }
    }
}

pub fn parse(src: &str) -> Result<Document, SyntaxError> {
    Ok(Document {
        source: src.to_string(),
        fields: Vec::new(),
    })
}

impl Document {
    pub fn source(&self) -> &str {
        &self.source
    }
    pub fn to_source_string(&self) -> String {
        self.source.clone()
    }
    pub fn fields(&self) -> &[Field] {
        &self.fields
    }
    pub fn effective(&self, path: &[&str]) -> Option<&Field> {
        self.fields
            .iter()
            .rev()
            .find(|f| f.path.iter().map(String::as_str).eq(path.iter().copied()))
    }
    pub fn replace_value(&self, field: &Field, new_text: &str) -> Patch {
        let mut p = Patch::new();
        p.replace(field.value.span.clone(), new_text);
        p
    }
}
