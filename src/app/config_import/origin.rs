//! Where a part of an imported setup came from: a file, and where in it, so a problem found in the scenario built
//! from it points back into the user's own text (line and column, and the path as the user wrote it).
use super::yaml::{Doc, Pos};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

/// One YAML document (or a YAML text embedded in a string of one, like a `RayService`'s `serveConfigV2`).
#[derive(Clone, Debug, PartialEq)]
pub struct Origin {
    pub file: String,
    positions: BTreeMap<String, Pos>,
    /// Prepended to paths when shown (`spec.serveConfigV2 → `), for an embedded document.
    shown_prefix: String,
    /// Added to the embedded document's own lines and columns to land in the file.
    line_offset: usize,
    column_offset: usize,
}

impl Origin {
    pub fn of(file: &str, doc: &Doc) -> Origin {
        Origin {
            file: file.to_string(),
            positions: doc.positions.clone(),
            shown_prefix: String::new(),
            line_offset: 0,
            column_offset: 0,
        }
    }

    /// A document found in the block string at `path` of `self` (`text` is the outer file, to read its indent).
    pub fn embedded(&self, path: &str, doc: &Doc, outer_text: &str) -> Origin {
        // The string's position is where its content starts: for a block scalar (`|`), the first content line, at
        // its indent; for a quoted one, its opening quote. Columns inside a quoted one-line string are approximate
        // (escapes).
        let (line_offset, column_offset) = match self.position(path) {
            Some(p) => {
                let quoted = outer_text
                    .lines()
                    .nth(p.line - 1)
                    .and_then(|l| l.chars().nth(p.column - 1))
                    .is_some_and(|c| c == '"' || c == '\'');
                (p.line - 1, if quoted { p.column } else { p.column - 1 })
            }
            None => (0, 0),
        };
        Origin {
            file: self.file.clone(),
            positions: doc.positions.clone(),
            shown_prefix: format!("{}{path} → ", self.shown_prefix),
            line_offset,
            column_offset,
        }
    }

    /// The position of `path` (or of its closest ancestor with one), in the file's own lines and columns.
    pub fn position(&self, path: &str) -> Option<Pos> {
        let mut p = path;
        loop {
            if let Some(pos) = self.positions.get(p) {
                return Some(Pos { line: pos.line + self.line_offset, column: pos.column + self.column_offset });
            }
            if p.is_empty() {
                return None;
            }
            p = super::yaml::parent_path(p);
        }
    }

    /// `path` as the user reads it: with the embedding field in front (`spec.serveConfigV2 → applications[0]`).
    fn shown(&self, path: &str) -> String {
        if path.is_empty() {
            self.shown_prefix.trim_end_matches(" → ").to_string()
        } else {
            format!("{}{path}", self.shown_prefix)
        }
    }

    /// A problem at `path` (the path inside this document).
    pub fn problem(&self, path: &str, message: impl Into<String>) -> Problem {
        Problem { file: self.file.clone(), path: self.shown(path), pos: self.position(path), message: message.into() }
    }

    /// A note at `path`.
    pub fn note(&self, path: &str, kind: NoteKind, text: impl Into<String>) -> Note {
        Note {
            file: self.file.clone(),
            path: self.shown(path),
            line: self.position(path).map(|p| p.line),
            kind,
            text: text.into(),
        }
    }
}

/// Why an import was refused: one problem, in the user's file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub file: String,
    /// The path as the user's file spells it (`applications[0].deployments[1].num_replicas`); empty for the file.
    pub path: String,
    #[serde(skip)]
    pub pos: Option<Pos>,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.pos {
            Some(p) => write!(f, "{}:{}:{}: ", self.file, p.line, p.column)?,
            None => write!(f, "{}: ", self.file)?,
        }
        if self.path.is_empty() { write!(f, "{}", self.message) } else { write!(f, "{}: {}", self.path, self.message) }
    }
}

/// What the import kept without simulating, what Ray itself ignores, and what it had to assume.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Note {
    pub file: String,
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    pub kind: NoteKind,
    pub text: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoteKind {
    /// Ray uses it; Gangplank keeps it (and exports it back) but does not simulate it.
    NotSimulated,
    /// Ray 2.60 itself ignores it (not a field of its schema): often a typo.
    IgnoredByRay,
    /// Something the file does not say and Gangplank had to choose.
    Assumption,
}

impl NoteKind {
    pub fn label(self) -> &'static str {
        match self {
            NoteKind::NotSimulated => "not simulated",
            NoteKind::IgnoredByRay => "ignored by Ray",
            NoteKind::Assumption => "assumed",
        }
    }
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = match self.line {
            Some(l) => format!("{}:{l}", self.file),
            None => self.file.clone(),
        };
        if self.path.is_empty() {
            write!(f, "[{}] {at}: {}", self.kind.label(), self.text)
        } else {
            write!(f, "[{}] {at}: {}: {}", self.kind.label(), self.path, self.text)
        }
    }
}
