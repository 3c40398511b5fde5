//! A finding: a rule's diagnostic placed in a file (path, line, column, the source line), with
//! nothing borrowed from the file, so the file can be dropped as soon as it is checked.

use std::ops::Range;

use crate::document::text;
use crate::jitsi::requirements as req;
use crate::rules::{At, Diagnostic, Rule, Severity};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: &'static Rule,
    pub path: String,
    /// 1-based; columns count characters.
    pub line: usize,
    pub column: usize,
    /// Where the span ends (exclusive column), when the finding has a span.
    pub end: Option<(usize, usize)>,
    pub message: String,
    pub help: String,
    /// The line the finding points at, secrets masked, without its line break.
    pub source_line: String,
    /// How many characters of `source_line` to underline from `column`.
    pub width: usize,
}

impl Finding {
    pub fn severity(&self) -> Severity {
        self.rule.severity
    }

    /// The sort order of a report: by file, position, code.
    pub fn sort_key(&self) -> (&str, usize, usize, &str, &str) {
        (
            &self.path,
            self.line,
            self.column,
            self.rule.code,
            &self.message,
        )
    }

    /// Places `diag` in `source` (named `path`); `secrets` are byte ranges of secret values.
    pub fn new(diag: Diagnostic, path: &str, source: &str, secrets: &[Range<usize>]) -> Self {
        let (line, column, end, start_offset) = match &diag.at {
            At::Span(span) => {
                let (line, column) = text::line_col(source, span.start);
                let end = text::line_col(source, span.end.max(span.start));
                (line, column, Some(end), Some(span.start))
            }
            At::LineCol(line, column) => (*line, *column, None, None),
        };
        let offset = start_offset.unwrap_or_else(|| offset_of_line(source, line));
        let start = text::line_start(source, offset);
        let content_end = text::line_content_end(source, offset);
        let mut chars: Vec<char> = source[start..content_end].chars().collect();
        let mut masked_by_span = false;
        for secret in secrets {
            let from = secret.start.max(start);
            let to = secret.end.min(content_end);
            if from < to {
                masked_by_span = true;
                let skip = source[start..from].chars().count();
                let count = source[from..to].chars().count();
                for c in chars.iter_mut().skip(skip).take(count) {
                    *c = '*';
                }
            }
        }
        let line_text: String = chars.into_iter().collect();
        let source_line = if masked_by_span {
            line_text
        } else {
            mask_line(&line_text)
        };
        let line_chars = source_line.chars().count();
        let width = match end {
            Some((end_line, end_column)) if end_line == line => end_column.saturating_sub(column),
            Some(_) => line_chars.saturating_sub(column.saturating_sub(1)),
            None => 1,
        }
        .max(1);
        Finding {
            rule: diag.rule,
            path: path.to_string(),
            line,
            column,
            end,
            message: diag.message,
            help: diag.help,
            source_line,
            width,
        }
    }
}

/// Byte offset of the start of 1-based `line` (the end of the text past the last line).
fn offset_of_line(source: &str, line: usize) -> usize {
    if line <= 1 {
        return 0;
    }
    source
        .match_indices('\n')
        .nth(line - 2)
        .map_or(source.len(), |(i, _)| i + 1)
}

/// Masks what follows `KEY =` or `KEY:` on a line whose key names a secret or a password
/// (`app_secret = "x"`, `password: "x"`), character for character, so that positions hold. A
/// safety net for lines the parsers could not read; parsed secret values are masked by span.
pub fn mask_line(line: &str) -> String {
    let lower = line.to_ascii_lowercase();
    let Some(at) = ["secret", "password"]
        .iter()
        .filter_map(|w| lower.find(w).map(|i| i + w.len()))
        .min()
    else {
        return line.to_string();
    };
    let rest = &lower[at..];
    let key_end = at
        + rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(rest.len());
    let after = &lower[key_end..];
    let trimmed = after.trim_start_matches(['"', '\'', ' ', '\t']);
    let Some(value) = trimmed.strip_prefix(['=', ':']) else {
        return line.to_string();
    };
    let value_from = lower.len() - value.trim_start().len();
    // A quoted value is masked up to its closing quote; anything else to the end of the line.
    let quote = line[value_from..]
        .chars()
        .next()
        .filter(|c| *c == '"' || *c == '\'');
    let value_to = quote
        .and_then(|q| {
            let body = &line[value_from + 1..];
            let mut escaped = false;
            body.char_indices()
                .find(|&(_, c)| {
                    let end = c == q && !escaped;
                    escaped = c == '\\' && !escaped;
                    end
                })
                .map(|(i, _)| value_from + 1 + i + 1)
        })
        .unwrap_or(line.len());
    line.char_indices()
        .map(|(i, c)| {
            if (value_from..value_to).contains(&i) && !c.is_whitespace() {
                '*'
            } else {
                c
            }
        })
        .collect()
}

/// The byte ranges of every secret option's value in a parsed Prosody file.
pub fn prosody_secrets(cfg: &crate::jitsi::prosody::ProsodyConfig) -> Vec<Range<usize>> {
    cfg.doc
        .statements()
        .iter()
        .filter_map(|s| s.assigned())
        .filter(|(name, _)| req::SECRET_OPTIONS.contains(name))
        .map(|(_, value)| value.span.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_lines_are_masked_in_place() {
        assert_eq!(
            mask_line("    app_secret = \"hunter2\" -- x"),
            "    app_secret = ********* -- x"
        );
        assert_eq!(mask_line("app_secret = 'a\\'b' x"), "app_secret = ****** x");
        assert_eq!(mask_line("app_secret = \"open"), "app_secret = *****");
        assert_eq!(
            mask_line("app_secret = other .. x"),
            "app_secret = ***** ** *"
        );
        assert_eq!(mask_line("password: \"pw\""), "password: ****");
        assert_eq!(mask_line("--app_secret=\"a\""), "--app_secret=***");
        assert_eq!(
            mask_line("-- the app_secret is shared"),
            "-- the app_secret is shared"
        );
        assert_eq!(
            mask_line("authentication = \"token\""),
            "authentication = \"token\""
        );
    }
}
