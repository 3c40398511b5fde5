//! Syntax errors with a position a human can go to: `line N, column M`, the source line and a
//! caret, like rustc and toml_edit.

use std::fmt;

use super::text;

/// A parse failure at a point of a file. Lines and columns are 1-based; columns count characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub line: usize,
    pub column: usize,
    pub message: String,
    /// The offending line, without its line break.
    pub source_line: String,
}

impl SyntaxError {
    /// Builds the error for byte `offset` of `source` (clamped to the text).
    pub fn at(source: &str, offset: usize, message: impl Into<String>) -> Self {
        let offset = text::floor_char_boundary(source, offset.min(source.len()));
        let (line, column) = text::line_col(source, offset);
        let start = text::line_start(source, offset);
        let end = text::line_content_end(source, offset);
        SyntaxError {
            line,
            column,
            message: message.into(),
            source_line: source[start..end].to_string(),
        }
    }

    /// `path:line:column: message` followed by the source line and a caret under the column.
    pub fn render(&self, path: &str) -> String {
        let gutter = self.line.to_string().len();
        // Tabs are kept so the caret lines up under the same characters in a terminal.
        let pad: String = self
            .source_line
            .chars()
            .take(self.column.saturating_sub(1))
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        format!(
            "{path}:{}:{}: {}\n{:gutter$} |\n{} | {}\n{:gutter$} | {pad}^",
            self.line,
            self.column,
            self.message,
            "",
            self.line,
            self.source_line.replace('\r', ""),
            "",
        )
    }
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

impl std::error::Error for SyntaxError {}
