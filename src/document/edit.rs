//! Range patches: the only way jitsi-tokens changes a user's file.
//!
//! A [`Patch`] is a set of `(byte range, replacement)` edits against one original text. Edits may
//! not overlap (two insertions at the same offset are kept in the order they were added). They
//! are applied back to front, so every range refers to the original text.

use std::fmt;
use std::ops::Range;

/// One replacement of `range` (bytes of the original text) by `text`. An empty range inserts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub range: Range<usize>,
    pub text: String,
}

/// A set of non-overlapping edits against one original text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Patch {
    edits: Vec<Edit>,
}

/// Two edits touch the same bytes: a bug in whoever planned them, never the user's fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverlapError {
    pub first: Range<usize>,
    pub second: Range<usize>,
}

impl fmt::Display for OverlapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "internal error: planned edits overlap (bytes {:?} and {:?}); nothing was written",
            self.first, self.second
        )
    }
}

impl std::error::Error for OverlapError {}

impl Patch {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn is_empty(&self) -> bool {
        self.edits.is_empty()
    }

    pub fn edits(&self) -> &[Edit] {
        &self.edits
    }

    pub fn replace(&mut self, range: Range<usize>, text: impl Into<String>) {
        self.edits.push(Edit {
            range,
            text: text.into(),
        });
    }

    pub fn insert(&mut self, at: usize, text: impl Into<String>) {
        self.replace(at..at, text);
    }

    /// Adds every edit of `other` (which must be against the same original text).
    pub fn extend(&mut self, other: Patch) {
        self.edits.extend(other.edits);
    }

    /// Applies the edits to `original`, which must be the text the ranges were computed against.
    pub fn apply(&self, original: &str) -> Result<String, OverlapError> {
        let mut order: Vec<usize> = (0..self.edits.len()).collect();
        // Stable: insertions at one offset keep the order they were added in.
        order.sort_by_key(|&i| (self.edits[i].range.start, self.edits[i].range.end));
        for pair in order.windows(2) {
            let (a, b) = (&self.edits[pair[0]].range, &self.edits[pair[1]].range);
            if b.start < a.end || (a.start == b.start && !a.is_empty() && !b.is_empty()) {
                return Err(OverlapError {
                    first: a.clone(),
                    second: b.clone(),
                });
            }
        }
        let mut out = String::with_capacity(original.len() + 256);
        let mut pos = 0;
        for &i in &order {
            let edit = &self.edits[i];
            assert!(
                edit.range.end <= original.len()
                    && original.is_char_boundary(edit.range.start)
                    && original.is_char_boundary(edit.range.end),
                "edit {:?} is not on character boundaries of the original text",
                edit.range
            );
            out.push_str(&original[pos..edit.range.start]);
            out.push_str(&edit.text);
            pos = edit.range.end;
        }
        out.push_str(&original[pos..]);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applies_back_to_front_against_original_offsets() {
        let mut p = Patch::new();
        p.replace(6..11, "there");
        p.insert(0, ">> ");
        p.insert(11, "!");
        assert_eq!(p.apply("hello world").unwrap(), ">> hello there!");
    }

    #[test]
    fn insertions_at_one_offset_keep_their_order() {
        let mut p = Patch::new();
        p.insert(1, "b");
        p.insert(1, "c");
        assert_eq!(p.apply("ad").unwrap(), "abcd");
    }

    #[test]
    fn overlapping_replacements_are_refused() {
        let mut p = Patch::new();
        p.replace(0..4, "x");
        p.replace(2..6, "y");
        assert!(p.apply("abcdefgh").is_err());
    }
}
