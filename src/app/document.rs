//! What every Gangplank file reader checks before it parses: the file names its format, is not too big, and is
//! not empty (lessons and recordings share this; each names itself in the messages).
use crate::model::scenario::ScenarioError;

/// Whether a text is meant as a file of `format` (so a file import can route it): its head names the format.
pub fn names_format(text: &str, format: &str) -> bool {
    let head: String = text.chars().take(4096).collect();
    head.contains("\"format\"") && head.contains(format)
}

/// The text without a byte-order mark, or why it is refused before parsing: larger than `max_bytes`
/// (`limit` says it for people, e.g. "2 MiB") or empty. `what` names the kind of file ("lesson").
pub fn checked_text<'a>(
    text: &'a str,
    what: &str,
    format: &str,
    max_bytes: usize,
    limit: &str,
) -> Result<&'a str, Vec<ScenarioError>> {
    if text.len() > max_bytes {
        return Err(vec![ScenarioError::at(
            "",
            format!("the {what} is {} bytes; the limit is {max_bytes} bytes ({limit})", text.len()),
        )]);
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(vec![ScenarioError::at(
            "",
            format!("the {what} is empty: expected a JSON object that starts with {{\"format\": \"{format}\""),
        )]);
    }
    Ok(text)
}
