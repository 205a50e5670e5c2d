//! The narration's Markdown subset, as a small AST the UI renders node by node (never as HTML text).
//!
//! Blocks are separated by a blank line: a block whose lines all start with `- ` is a list, any other block a
//! paragraph (its single line breaks kept). Inside: `**bold**`, `*emphasis*`, `` `code` ``. Anything else is text,
//! as written: an unclosed marker is kept literally rather than refused, so narration can never fail to show.
use serde::Serialize;

/// One block of narration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "block", rename_all = "snake_case")]
pub enum Block {
    /// Lines of a paragraph (rendered with line breaks between them).
    Paragraph { lines: Vec<Vec<Inline>> },
    /// A bulleted list; each item is one line.
    List { items: Vec<Vec<Inline>> },
}

/// A run of text with one style.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "style", content = "text", rename_all = "snake_case")]
pub enum Inline {
    Text(String),
    Bold(String),
    Em(String),
    Code(String),
}

impl Inline {
    pub fn text(&self) -> &str {
        match self {
            Inline::Text(t) | Inline::Bold(t) | Inline::Em(t) | Inline::Code(t) => t,
        }
    }
}

/// Parse narration text into blocks.
pub fn parse(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    for line in text.lines().chain(std::iter::once("")) {
        if line.trim().is_empty() {
            if !current.is_empty() {
                blocks.push(block(&current));
                current.clear();
            }
        } else {
            current.push(line.trim_end());
        }
    }
    blocks
}

fn block(lines: &[&str]) -> Block {
    let item = |l: &str| l.trim_start().strip_prefix("- ").map(str::to_string);
    if lines.iter().all(|l| item(l).is_some()) {
        Block::List { items: lines.iter().map(|l| inline(&item(l).unwrap_or_default())).collect() }
    } else {
        Block::Paragraph { lines: lines.iter().map(|l| inline(l.trim())).collect() }
    }
}

/// Split a line into styled runs.
pub fn inline(line: &str) -> Vec<Inline> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut rest = line;
    while !rest.is_empty() {
        let styled = [("**", Inline::Bold as fn(String) -> Inline), ("`", Inline::Code), ("*", Inline::Em)]
            .into_iter()
            .find_map(|(marker, make)| {
                let body = rest.strip_prefix(marker)?;
                let end =
                    body.find(marker).filter(|&e| e > 0 && !body.starts_with(" ") && !body[..e].ends_with(" "))?;
                Some((make(body[..end].to_string()), marker.len() * 2 + end))
            });
        match styled {
            Some((run, used)) => {
                if !text.is_empty() {
                    out.push(Inline::Text(std::mem::take(&mut text)));
                }
                out.push(run);
                rest = &rest[used..];
            }
            None => {
                let c = rest.chars().next().expect("rest is not empty");
                text.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    if !text.is_empty() {
        out.push(Inline::Text(text));
    }
    out
}

/// The narration as plain text (for the CLI and for searching): styles dropped, list items with "- ".
pub fn plain(blocks: &[Block]) -> String {
    let line = |runs: &[Inline]| runs.iter().map(Inline::text).collect::<String>();
    blocks
        .iter()
        .map(|b| match b {
            Block::Paragraph { lines } => lines.iter().map(|l| line(l)).collect::<Vec<_>>().join("\n"),
            Block::List { items } => items.iter().map(|l| format!("- {}", line(l))).collect::<Vec<_>>().join("\n"),
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn styles_lists_and_line_breaks() {
        let blocks = parse("A **gang** is *one* `PG`.\nSecond line.\n\n- one\n- two **b**");
        assert_eq!(
            blocks,
            vec![
                Block::Paragraph {
                    lines: vec![
                        vec![
                            Inline::Text("A ".into()),
                            Inline::Bold("gang".into()),
                            Inline::Text(" is ".into()),
                            Inline::Em("one".into()),
                            Inline::Text(" ".into()),
                            Inline::Code("PG".into()),
                            Inline::Text(".".into()),
                        ],
                        vec![Inline::Text("Second line.".into())],
                    ]
                },
                Block::List {
                    items: vec![
                        vec![Inline::Text("one".into())],
                        vec![Inline::Text("two ".into()), Inline::Bold("b".into())]
                    ]
                },
            ]
        );
    }

    #[test]
    fn unclosed_markers_stay_text() {
        assert_eq!(inline("2 * 3 and **x"), vec![Inline::Text("2 * 3 and **x".into())]);
        assert_eq!(plain(&parse("a `b` c")), "a b c");
    }
}
