//! The merge rules behind [`Document::effective`]: which field gives the value at a path.
//!
//! Fields are visited from the last to the first, as HOCON lets a later assignment win. At
//! each field whose path is the asked path or a prefix of it, the field's value decides, hides
//! everything before it, or (an object) lets the search go on into earlier fields. A
//! substitution is looked up in turn; one that refers to its own field's path looks only at
//! the fields before it, as Typesafe's self-referential substitutions do.

use std::cell::Cell;

use super::{Document, Node, Part};

/// What a path holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Found {
    /// A value that is not an object, held by this field.
    Leaf(usize),
    /// An object; the last field that assigned an object to exactly this path, if any.
    Object(Option<usize>),
    /// A value that is not an object and that no single field holds (a `+=` list).
    Opaque,
    /// Nothing. `hidden`: a non-object at a prefix replaced what was there.
    Absent { hidden: bool },
    /// Cannot be known from the document (an unresolved substitution, a cycle); the field
    /// holding the substitution when it stands at exactly this path.
    Unknown(Option<usize>),
}

enum Step {
    Continue,
    Done(Found),
}

struct Cx<'a> {
    /// Only fields before this index count (self-referential substitutions).
    cutoff: usize,
    /// A later field assigned below the asked path: its value is an object.
    saw_deeper: bool,
    depth: u32,
    budget: &'a Cell<u32>,
}

/// Bounds the work of one question: substitution chains deeper than this are a cycle to us.
const MAX_DEPTH: u32 = 16;
const BUDGET: u32 = 20_000;

impl Document {
    pub(super) fn effective_index(&self, q: &[String]) -> Option<usize> {
        let budget = Cell::new(BUDGET);
        match self.lookup(q, usize::MAX, 0, &budget) {
            Found::Leaf(i) | Found::Object(Some(i)) | Found::Unknown(Some(i)) => Some(i),
            _ => None,
        }
    }

    fn lookup(&self, q: &[String], cutoff: usize, depth: u32, budget: &Cell<u32>) -> Found {
        if depth > MAX_DEPTH || budget.get() == 0 {
            return Found::Unknown(None);
        }
        budget.set(budget.get() - 1);
        let mut cx = Cx {
            cutoff,
            saw_deeper: false,
            depth,
            budget,
        };
        let found = match self.find(q, &self.root, &mut cx) {
            Step::Continue => Found::Absent { hidden: false },
            Step::Done(f) => f,
        };
        match found {
            Found::Leaf(_) | Found::Opaque | Found::Absent { .. } if cx.saw_deeper => {
                Found::Object(None)
            }
            f => f,
        }
    }

    /// Searches `scope` (fields of one object, in order) from the last to the first.
    fn find(&self, q: &[String], scope: &[usize], cx: &mut Cx<'_>) -> Step {
        for &i in scope.iter().rev() {
            if i >= cx.cutoff {
                continue;
            }
            let p = &self.fields[i].path;
            if p.len() <= q.len() && q[..p.len()] == p[..] {
                if let Step::Done(f) = self.value_at(i, q, p.len(), cx) {
                    return Step::Done(f);
                }
            } else if p.len() > q.len() && p[..q.len()] == q[..] {
                cx.saw_deeper = true;
            }
        }
        Step::Continue
    }

    /// What field `i`'s value says about `q`, whose first `own` elements are the field's path.
    fn value_at(&self, i: usize, q: &[String], own: usize, cx: &mut Cx<'_>) -> Step {
        let rest = &q[own..];
        let hidden = Found::Absent { hidden: true };
        match &self.nodes[i] {
            Node::Appended => Step::Done(if rest.is_empty() {
                Found::Opaque
            } else {
                hidden
            }),
            Node::Leaf => Step::Done(if rest.is_empty() {
                Found::Leaf(i)
            } else {
                hidden
            }),
            Node::ObjectConcat(parts) if rest.is_empty() => {
                if self.has_unresolved_part(i, parts, cx) {
                    Step::Done(Found::Unknown(Some(i)))
                } else {
                    Step::Done(Found::Object(Some(i)))
                }
            }
            Node::Object(_) if rest.is_empty() => Step::Done(Found::Object(Some(i))),
            Node::Object(children) => self.find(q, children, cx),
            Node::ObjectConcat(parts) => {
                // Typesafe resolves a concatenation whole: a required substitution in it that
                // names nothing leaves every path below unresolved.
                if self.has_unresolved_part(i, parts, cx) {
                    return Step::Done(Found::Unknown(None));
                }
                for part in parts.iter().rev() {
                    let step = match part {
                        Part::Object(children) => self.find(q, children, cx),
                        Part::Subst(s) => self.through_subst(i, *s, rest, cx),
                    };
                    if let Step::Done(f) = step {
                        return Step::Done(f);
                    }
                }
                Step::Continue
            }
            Node::Subst(s) => self.through_subst(i, *s, rest, cx),
        }
    }

    /// Whether a required substitution among `parts` of field `owner` names nothing.
    fn has_unresolved_part(&self, owner: usize, parts: &[Part], cx: &mut Cx<'_>) -> bool {
        parts.iter().any(|part| match part {
            Part::Subst(s) if !self.subst_optional[*s as usize] => matches!(
                self.lookup(
                    &self.subst_paths[*s as usize],
                    self.self_cutoff(owner, *s),
                    cx.depth + 1,
                    cx.budget
                ),
                Found::Absent { .. } | Found::Unknown(_)
            ),
            _ => false,
        })
    }

    /// A substitution that names its own field's path, or a path inside it, sees only the
    /// fields before that field.
    fn self_cutoff(&self, owner: usize, s: u32) -> usize {
        let target = &self.subst_paths[s as usize];
        let own_path = &self.fields[owner].path;
        if target.len() >= own_path.len() && target[..own_path.len()] == own_path[..] {
            owner
        } else {
            usize::MAX
        }
    }

    /// Substitution `s` in field `owner`, asked for `rest` below the owner's path.
    fn through_subst(&self, owner: usize, s: u32, rest: &[String], cx: &mut Cx<'_>) -> Step {
        let target = &self.subst_paths[s as usize];
        let optional = self.subst_optional[s as usize];
        let cutoff = self.self_cutoff(owner, s);
        let exact = rest.is_empty();
        let unknown = Found::Unknown(exact.then_some(owner));
        match self.lookup(target, cutoff, cx.depth + 1, cx.budget) {
            Found::Absent { .. } if optional => Step::Continue,
            Found::Absent { .. } | Found::Unknown(_) => Step::Done(unknown),
            f @ (Found::Leaf(_) | Found::Opaque) => Step::Done(if exact {
                f
            } else {
                Found::Absent { hidden: true }
            }),
            f @ Found::Object(_) if exact => Step::Done(f),
            Found::Object(_) => {
                let mut below = target.clone();
                below.extend_from_slice(rest);
                match self.lookup(&below, cutoff, cx.depth + 1, cx.budget) {
                    Found::Absent { hidden: false } => Step::Continue,
                    f => Step::Done(f),
                }
            }
        }
    }
}
