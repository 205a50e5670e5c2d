//! The words of scenario errors: what a JSON value is, serde's messages in plainer words, "did you mean".
use serde::de::Unexpected;
use serde_json::Value;

/// "the string \"x\"", "an array", ...: what a JSON value is, for messages.
pub fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".to_string(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => {
            let shown: String = s.chars().take(40).collect();
            let more = if shown.len() < s.len() { "..." } else { "" };
            format!("the string \"{shown}{more}\"")
        }
        Value::Array(_) => "an array".to_string(),
        Value::Object(_) => "an object".to_string(),
    }
}

/// How serde names a JSON value in "invalid type" messages.
pub(crate) fn unexpected(v: &Value) -> Unexpected<'_> {
    match v {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => Unexpected::Unsigned(u),
            (None, Some(i)) => Unexpected::Signed(i),
            _ => Unexpected::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => Unexpected::Str(s),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    }
}

/// serde_json's message without its " at line L column C" (the field path says where).
pub(crate) fn strip_position(msg: &str) -> String {
    match msg.find(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

/// serde's message in plainer words (`expected f64` -> `expected a number`), with a "did you mean" for an unknown
/// field or variant that is close to an expected one.
pub(crate) fn friendly(msg: &str) -> String {
    for kind in ["unknown field `", "unknown variant `"] {
        let Some(rest) = msg.strip_prefix(kind) else { continue };
        let Some(end) = rest.find('`') else { continue };
        let found = &rest[..end];
        let expected: Vec<&str> = rest[end + 1..].split('`').skip(1).step_by(2).collect();
        return format!("{msg}{}", did_you_mean(found, &expected));
    }
    const PLAIN: [(&str, &str); 6] = [
        ("expected f64", "expected a number"),
        ("expected u32", "expected a whole number, 0 or more"),
        ("expected u64", "expected a whole number, 0 or more"),
        ("expected i64", "expected a whole number"),
        ("expected a sequence", "expected an array"),
        ("expected a map", "expected an object"),
    ];
    if let Some(i) = msg.find("expected struct ") {
        // "expected struct NodeSpec": the Rust type name means nothing in a JSON file.
        return format!("{}expected an object", &msg[..i]);
    }
    for (from, to) in PLAIN {
        if let Some(head) = msg.strip_suffix(from) {
            return format!("{head}{to}");
        }
    }
    msg.to_string()
}

/// ` (did you mean `x`?)` when one candidate is within a small edit distance, else empty. Case is ignored (ASCII
/// only: the candidates are the format's own names, which are ASCII).
/// Ray's words (`serve/deployment.py`, `serve/schema.py`) for `num_replicas` given with `autoscaling_config`.
pub(crate) const MANUAL_NUM_REPLICAS: &str =
    "Manually setting num_replicas is not allowed when autoscaling_config is provided.";

pub fn did_you_mean(found: &str, candidates: &[&str]) -> String {
    let found_lower = found.to_ascii_lowercase();
    let best =
        candidates.iter().map(|c| (edit_distance(&found_lower, &c.to_ascii_lowercase()), *c)).min_by_key(|(d, _)| *d);
    match best {
        Some((d, c)) if d > 0 && d <= 2.max(found.chars().count() / 4) => format!(" (did you mean `{c}`?)"),
        Some((0, c)) if c != found => format!(" (did you mean `{c}`?)"),
        _ => String::new(),
    }
}

/// Levenshtein distance; inputs are field names, so short. Longer inputs are not compared (distance "far").
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len() > 64 || b.len() > 64 {
        return usize::MAX;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// `` `a`, `b`, `c` ``.
pub(crate) fn backticked(names: &[&str]) -> String {
    names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
}

/// `` `a` `` for one name, `` one of `a`, `b` `` for several.
pub(crate) fn one_of(names: &[&str]) -> String {
    match names {
        [one] => format!("`{one}`"),
        _ => format!("one of {}", backticked(names)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn did_you_mean_finds_close_names() {
        assert_eq!(did_you_mean("gang_sise", &["gang_size", "rank"]), " (did you mean `gang_size`?)");
        assert_eq!(did_you_mean("zzz", &["gang_size", "rank"]), "");
        assert_eq!(did_you_mean("PACK", &["pack"]), " (did you mean `pack`?)");
    }
}
