//! Java `.properties` files, read only: jicofo's legacy `sip-communicator.properties`.
//!
//! Follows `java.util.Properties.load`: a logical line continues while a natural line ends with
//! an odd number of backslashes; `#` or `!` as the first non-blank character starts a comment
//! line; the key ends at the first unescaped `=`, `:` or whitespace; `\t`, `\n`, `\f`, `\r`,
//! `\uXXXX` and `\x` (any other character) are escapes. Every entry keeps the byte span of its
//! key and value, so a finding can point at it. Nothing here edits a properties file, and no
//! input is an error: Java accepts any text.
//!
//! ```
//! use jitsi_tokens::document::properties;
//! let doc = properties::parse("# c\norg.a.URL = EXT_JWT:\\\n  meet.example.org\n");
//! let entry = doc.get("org.a.URL").unwrap();
//! assert_eq!(entry.value, "EXT_JWT:meet.example.org");
//! assert_eq!(entry.key_span, 4..13);
//! ```

use std::ops::Range;

/// A parsed properties file.
#[derive(Debug, Clone, Default)]
pub struct Document {
    pub entries: Vec<Entry>,
}

/// One `key=value` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The key, escapes decoded.
    pub key: String,
    pub key_span: Range<usize>,
    /// The value, escapes decoded and continuation lines joined.
    pub value: String,
    /// From the first character of the value to the end of the logical line.
    pub value_span: Range<usize>,
}

impl Document {
    /// The entry Java reads for `key`: the last one.
    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().rev().find(|e| e.key == key)
    }
}

/// Reads every entry of `src`.
pub fn parse(src: &str) -> Document {
    let bytes = src.as_bytes();
    let mut entries = Vec::new();
    let mut pos = 0;
    while pos < bytes.len() {
        let (start, end, next) = logical_line(src, pos);
        pos = next;
        if start == end || matches!(bytes[start], b'#' | b'!') {
            continue;
        }
        let (key, key_end) = read_part(src, start, end, true);
        let mut value_start = key_end;
        value_start = skip_blanks(src, value_start, end);
        if value_start < end && matches!(bytes[value_start], b'=' | b':') {
            value_start = skip_blanks(src, value_start + 1, end);
        }
        let (value, _) = read_part(src, value_start, end, false);
        entries.push(Entry {
            key,
            key_span: start..key_end,
            value,
            value_span: value_start..end,
        });
    }
    Document { entries }
}

/// The logical line starting at or after `pos`: (first non-blank byte, end, where the next one
/// starts). Continuation lines are included in the range.
fn logical_line(src: &str, pos: usize) -> (usize, usize, usize) {
    let bytes = src.as_bytes();
    let start = skip_blanks(src, pos, bytes.len());
    let comment = start < bytes.len() && matches!(bytes[start], b'#' | b'!');
    let mut i = start;
    loop {
        let line_end = bytes[i..]
            .iter()
            .position(|&b| b == b'\n' || b == b'\r')
            .map_or(bytes.len(), |n| i + n);
        let slashes = bytes[i..line_end]
            .iter()
            .rev()
            .take_while(|&&b| b == b'\\')
            .count();
        let mut next = line_end;
        if next < bytes.len() && bytes[next] == b'\r' {
            next += 1;
        }
        if next < bytes.len()
            && bytes[next] == b'\n'
            && (next == line_end || bytes[next - 1] == b'\r')
        {
            next += 1;
        }
        if comment || slashes % 2 == 0 || next >= bytes.len() {
            return (start, line_end, next.max(line_end));
        }
        // A continuation: leading blanks of the next natural line are not part of the value.
        i = skip_blanks(src, next, bytes.len());
        if i >= bytes.len() {
            return (start, bytes.len(), bytes.len());
        }
    }
}

fn skip_blanks(src: &str, mut pos: usize, end: usize) -> usize {
    let bytes = src.as_bytes();
    while pos < end && matches!(bytes[pos], b' ' | b'\t' | b'\x0c') {
        pos += 1;
    }
    pos
}

/// Decodes a key (stopping at an unescaped separator or blank) or a value (to `end`); returns
/// the text and where it stopped.
fn read_part(src: &str, start: usize, end: usize, key: bool) -> (String, usize) {
    let mut out = String::new();
    let mut chars = src[start..end].char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '=' | ':' | ' ' | '\t' | '\x0c' if key => return (out, start + i),
            '\\' => match chars.next() {
                Some((_, '\r' | '\n')) => {
                    // Continuation: skip the line break and the next line's leading blanks.
                    while let Some(&(_, c)) = chars.peek() {
                        if matches!(c, '\n' | ' ' | '\t' | '\x0c') {
                            chars.next();
                        } else {
                            break;
                        }
                    }
                }
                Some((_, 't')) => out.push('\t'),
                Some((_, 'n')) => out.push('\n'),
                Some((_, 'f')) => out.push('\x0c'),
                Some((_, 'r')) => out.push('\r'),
                Some((_, 'u')) => {
                    let hex: String = (0..4)
                        .filter_map(|_| chars.next().map(|(_, c)| c))
                        .collect();
                    if let Some(c) = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                        out.push(c);
                    }
                }
                Some((_, other)) => out.push(other),
                None => {}
            },
            c => out.push(c),
        }
    }
    (out, end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators_comments_and_escapes() {
        let src = "! bang\r\n  a=1\r\nb : two words\nc three\nd\\:e=\\u0041\\\\\n#x=y\nf=\\\n";
        let doc = parse(src);
        let got: Vec<(&str, &str)> = doc
            .entries
            .iter()
            .map(|e| (e.key.as_str(), e.value.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("a", "1"),
                ("b", "two words"),
                ("c", "three"),
                ("d:e", "A\\"),
                ("f", "")
            ]
        );
        let a = doc.get("a").unwrap();
        assert_eq!(&src[a.key_span.clone()], "a");
        assert_eq!(&src[a.value_span.clone()], "1");
    }

    #[test]
    fn the_last_entry_wins() {
        let doc = parse("k=1\nk=2\n");
        assert_eq!(doc.get("k").unwrap().value, "2");
    }
}
