//! Plain-text helpers shared by the document layers: lines, columns, indentation, line endings.

/// 1-based line and column (in characters) of byte `offset`.
pub fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(src.len());
    let before = &src[..offset];
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let start = line_start(src, offset);
    let column = src[start..offset].chars().count() + 1;
    (line, column)
}

/// Byte offset where the line holding `offset` begins.
pub fn line_start(src: &str, offset: usize) -> usize {
    src[..offset.min(src.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1)
}

/// Byte offset where the content of the line holding `offset` ends (before `\r\n` or `\n`).
pub fn line_content_end(src: &str, offset: usize) -> usize {
    let end = src[offset.min(src.len())..]
        .find('\n')
        .map_or(src.len(), |i| offset + i);
    if end > 0 && src.as_bytes().get(end - 1) == Some(&b'\r') && end > offset {
        end - 1
    } else {
        end
    }
}

/// Byte offset just past the line break of the line holding `offset` (or the end of the text).
pub fn next_line_start(src: &str, offset: usize) -> usize {
    src[offset.min(src.len())..]
        .find('\n')
        .map_or(src.len(), |i| offset + i + 1)
}

/// The start of the line after the one holding `offset`, skipping past a multi-line comment
/// (one of `comments`, which spans) that begins on that line: the safe place to insert a new
/// line "after" something without landing inside a comment.
pub fn after_line<'a>(
    src: &str,
    offset: usize,
    comments: impl Iterator<Item = &'a std::ops::Range<usize>> + Clone,
) -> usize {
    let mut pos = offset;
    loop {
        let next = next_line_start(src, pos);
        let newline = next.saturating_sub(1);
        match comments
            .clone()
            .find(|c| c.start <= newline && newline < c.end)
        {
            Some(c) if c.end > pos => pos = c.end,
            _ => return next,
        }
    }
}

/// The line break the file uses: CRLF when its first line break is CRLF, else LF.
pub fn eol(src: &str) -> &'static str {
    match src.find('\n') {
        Some(i) if i > 0 && src.as_bytes()[i - 1] == b'\r' => "\r\n",
        _ => "\n",
    }
}

/// The leading spaces and tabs of the line holding `offset`.
pub fn indent_of_line(src: &str, offset: usize) -> &str {
    let start = line_start(src, offset);
    let rest = &src[start..];
    let len = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    &rest[..len]
}

/// True when a comment at `at` is a line of its own between `items` (each an item's span up to
/// its separator): it starts its line and lies inside none of them. Only such a comment is a
/// commented-out line that can be uncommented in place; one after code, inside an item or
/// before an item's separator would be glued onto or into that item.
pub fn own_line_between(
    src: &str,
    at: usize,
    mut items: impl Iterator<Item = std::ops::Range<usize>>,
) -> bool {
    starts_line(src, at) && !items.any(|r| r.start < at && at < r.end)
}

/// True when only spaces and tabs precede `offset` on its line.
pub fn starts_line(src: &str, offset: usize) -> bool {
    src[line_start(src, offset)..offset]
        .chars()
        .all(|c| c == ' ' || c == '\t')
}

/// The largest char boundary at or below `offset`.
pub fn floor_char_boundary(src: &str, mut offset: usize) -> usize {
    offset = offset.min(src.len());
    while !src.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns_count_characters() {
        let src = "a\r\nbé\tc\nd";
        assert_eq!(line_col(src, 0), (1, 1));
        assert_eq!(line_col(src, 3), (2, 1));
        let c = src.find('c').unwrap();
        assert_eq!(line_col(src, c), (2, 4));
        assert_eq!(line_content_end(src, 0), 1);
        assert_eq!(next_line_start(src, 0), 3);
        assert_eq!(eol(src), "\r\n");
        assert_eq!(eol("x\ny"), "\n");
        assert_eq!(indent_of_line("  \tx", 3), "  \t");
    }
}
