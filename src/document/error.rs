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
    /// A long line is cut to a window around the column, marked with `…` where cut, so a
    /// one-line file of megabytes gives a message of a few lines.
    pub fn render(&self, path: &str) -> String {
        const WINDOW: usize = 100;
        let gutter = self.line.to_string().len();
        let chars: Vec<char> = self.source_line.chars().filter(|&c| c != '\r').collect();
        let caret = self.column.saturating_sub(1).min(chars.len());
        let from = caret.saturating_sub(WINDOW / 2);
        let to = (from + WINDOW).min(chars.len());
        let shown: String = chars[from..to].iter().collect();
        let (lead, tail) = (
            if from > 0 { "…" } else { "" },
            if to < chars.len() { "…" } else { "" },
        );
        // Tabs are kept so the caret lines up under the same characters in a terminal.
        let pad: String = std::iter::repeat_n(' ', lead.chars().count())
            .chain(
                chars[from..caret]
                    .iter()
                    .map(|&c| if c == '\t' { '\t' } else { ' ' }),
            )
            .collect();
        // A message may quote the offending token, which can be as long as the line.
        let message: String = if self.message.chars().count() > 2 * WINDOW {
            self.message.chars().take(2 * WINDOW).chain(['…']).collect()
        } else {
            self.message.clone()
        };
        format!(
            "{path}:{}:{}: {message}\n{:gutter$} |\n{} | {lead}{shown}{tail}\n{:gutter$} | {pad}^",
            self.line, self.column, "", self.line, "",
        )
    }
}

/// Refuses `{`, `(` and `[` nested deeper than `limit`, before a parser that recurses once per
/// level can exhaust the stack. The count is approximate (brackets in strings and comments count
/// too), so `limit` must be far above what a configuration file needs.
pub fn refuse_deep_nesting(source: &str, limit: usize) -> Result<(), SyntaxError> {
    let mut depth = 0usize;
    for (i, b) in source.bytes().enumerate() {
        match b {
            b'{' | b'(' | b'[' => {
                depth += 1;
                if depth > limit {
                    return Err(SyntaxError::at(
                        source,
                        i,
                        format!(
                            "nesting deeper than {limit} levels; this is not a configuration file"
                        ),
                    ));
                }
            }
            b'}' | b')' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_line_is_shown_whole() {
        let e = SyntaxError::at("a = 1\nb = = 2\r\n", 10, "unexpected `=`");
        assert_eq!(
            e.render("f.lua"),
            "f.lua:2:5: unexpected `=`\n  |\n2 | b = = 2\n  |     ^"
        );
    }

    /// Regression (issue 6): a syntax error on a one-line file of 50 MB printed the whole line
    /// and 50 MB of padding under it.
    #[test]
    fn a_long_line_is_cut_around_the_column() {
        let src = format!("x = {}!{}", "a".repeat(1_000_000), "b".repeat(1_000_000));
        let e = SyntaxError::at(&src, 1_000_004, "unexpected `!`");
        let shown = e.render("f.lua");
        assert!(shown.len() < 400, "{} bytes", shown.len());
        let lines: Vec<&str> = shown.lines().collect();
        let caret = lines[3].find('^').unwrap();
        assert_eq!(lines[2].chars().nth(caret), Some('!'), "{shown}");
        assert!(lines[2].contains("…a") && lines[2].ends_with("b…"));
        // A message quoting a megabyte-long token is cut too (HOCON's "key `...`").
        let e = SyntaxError::at("k", 0, format!("key `{}`", "\0".repeat(1 << 20)));
        assert!(e.render("f.conf").len() < 600);
    }
}
