//! YAML (and JSON, which is YAML) read into `serde_json::Value`s with the line and column of every value, so that an
//! error found later, by field path, can point into the user's own file.
//!
//! The events come from `saphyr-parser`; this file only builds values from them. Plain scalars are resolved as
//! PyYAML's `SafeLoader` resolves them (YAML 1.1: `yes`/`no`/`on`/`off` are booleans, `0o17` and `017` octal, a float
//! needs a dot), because `serve deploy` and `serve build` read the config with `yaml.safe_load`: a value means here
//! what it means to Ray. Anchors, aliases and `<<` merge keys work as in PyYAML; an alias expansion that would
//! build more than [`MAX_VALUES`] values is refused (a "billion laughs" file must not freeze the tab).
use saphyr_parser::{Event, Parser, ScalarStyle, Span, Tag};
use serde_json::{Map, Number, Value};

use std::collections::BTreeMap;

/// Values one file may expand to (aliases included).
pub const MAX_VALUES: usize = 1_000_000;
/// Nesting deeper than this is refused (the builder is iterative, but the values are later walked recursively).
pub const MAX_DEPTH: usize = 128;

/// Where a value starts in the file: line and column, both from 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
}

/// One document of a (multi-document) YAML stream.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Doc {
    pub value: Value,
    /// Field path (`applications[0].deployments[1].num_replicas`; `""` for the document itself) → where its value
    /// starts.
    pub positions: BTreeMap<String, Pos>,
    /// Keys given twice in one mapping (PyYAML keeps the last one silently): path of the later one.
    pub duplicate_keys: Vec<String>,
}

impl Doc {
    /// Where the value at `path` is, or failing that its closest ancestor that has a position.
    pub fn position(&self, path: &str) -> Option<Pos> {
        let mut p = path;
        loop {
            if let Some(pos) = self.positions.get(p) {
                return Some(*pos);
            }
            if p.is_empty() {
                return None;
            }
            p = parent_path(p);
        }
    }
}

/// `a.b[2].c` → `a.b[2]` → `a.b` → `a` → ``.
pub fn parent_path(path: &str) -> &str {
    match path.rfind(['.', '[']) {
        Some(i) => &path[..i],
        None => "",
    }
}

/// A child's path: `parent.key` (or `key` at the top) and `parent[i]`.
pub fn key_path(parent: &str, key: &str) -> String {
    if parent.is_empty() { key.to_string() } else { format!("{parent}.{key}") }
}

pub fn index_path(parent: &str, i: usize) -> String {
    format!("{parent}[{i}]")
}

/// A YAML syntax error, or a file this loader will not expand.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YamlError {
    pub pos: Pos,
    pub message: String,
}

impl std::fmt::Display for YamlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}, column {}: {}", self.pos.line, self.pos.column, self.message)
    }
}

fn pos_of(span: &Span) -> Pos {
    Pos { line: span.start.line(), column: span.start.col() + 1 }
}

/// A collection being built: its path, its value so far, and (for a mapping) the key waiting for its value.
enum Open {
    Seq {
        path: String,
        items: Vec<Value>,
        anchor: usize,
    },
    Map {
        path: String,
        map: Map<String, Value>,
        key: Option<String>,
        /// The waiting key is a plain `<<` (a merge key; a quoted one is an ordinary key, as in PyYAML).
        merge: bool,
        merged: Vec<Map<String, Value>>,
        anchor: usize,
    },
}

/// Read every document of `text`.
pub fn load_all(text: &str) -> Result<Vec<Doc>, YamlError> {
    let mut docs = Vec::new();
    let mut stack: Vec<Open> = Vec::new();
    let mut anchors: BTreeMap<usize, Value> = BTreeMap::new();
    let mut doc = Doc { value: Value::Null, positions: BTreeMap::new(), duplicate_keys: Vec::new() };
    let mut built = 0usize;
    let mut in_doc = false;
    for item in Parser::new_from_str(text) {
        let (event, span) = item.map_err(|e| YamlError {
            pos: Pos { line: e.marker().line(), column: e.marker().col() + 1 },
            message: e.info().to_string(),
        })?;
        let here = pos_of(&span);
        // The path the next value takes, and whether it is a mapping key.
        let (path, is_key) = match stack.last() {
            None => (String::new(), false),
            Some(Open::Seq { path, items, .. }) => (index_path(path, items.len()), false),
            Some(Open::Map { path, key: None, .. }) => (path.clone(), true),
            Some(Open::Map { path, key: Some(k), .. }) => (key_path(path, k), false),
        };
        let mut plain_merge = false;
        let finished: Option<(Value, usize)> = match event {
            Event::StreamStart | Event::StreamEnd | Event::Nothing => None,
            Event::DocumentStart(_) => {
                in_doc = true;
                None
            }
            Event::DocumentEnd => {
                if in_doc {
                    docs.push(std::mem::replace(
                        &mut doc,
                        Doc { value: Value::Null, positions: BTreeMap::new(), duplicate_keys: Vec::new() },
                    ));
                    anchors.clear();
                }
                in_doc = false;
                None
            }
            Event::Alias(id) => {
                let v = anchors.get(&id).cloned().ok_or_else(|| YamlError {
                    pos: here,
                    message: "an alias (*name) refers to an anchor that is not defined before it".into(),
                })?;
                built += count_values(&v);
                Some((v, 0))
            }
            Event::Scalar(text, style, anchor, tag) => {
                plain_merge = style == ScalarStyle::Plain && tag.is_none() && text == "<<";
                Some((resolve_scalar(&text, style, tag.as_deref(), here)?, anchor))
            }
            Event::SequenceStart(anchor, _) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(YamlError { pos: here, message: format!("nested more than {MAX_DEPTH} levels deep") });
                }
                if !is_key {
                    doc.positions.insert(path.clone(), here);
                }
                stack.push(Open::Seq { path, items: Vec::new(), anchor });
                None
            }
            Event::MappingStart(anchor, _) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(YamlError { pos: here, message: format!("nested more than {MAX_DEPTH} levels deep") });
                }
                if !is_key {
                    doc.positions.insert(path.clone(), here);
                }
                stack.push(Open::Map { path, map: Map::new(), key: None, merge: false, merged: Vec::new(), anchor });
                None
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Open::Seq { items, anchor, .. }) => Some((Value::Array(items), anchor)),
                _ => unreachable!("the parser pairs SequenceStart and SequenceEnd"),
            },
            Event::MappingEnd => match stack.pop() {
                Some(Open::Map { mut map, merged, anchor, .. }) => {
                    // `<<` merge keys: keys written in the mapping win, then earlier merged mappings.
                    for m in merged {
                        for (k, v) in m {
                            map.entry(k).or_insert(v);
                        }
                    }
                    Some((Value::Object(map), anchor))
                }
                _ => unreachable!("the parser pairs MappingStart and MappingEnd"),
            },
        };
        let Some((value, anchor)) = finished else { continue };
        built += 1;
        if built > MAX_VALUES {
            return Err(YamlError {
                pos: here,
                message: format!("the file expands to more than {MAX_VALUES} values (aliases included); refused"),
            });
        }
        if anchor != 0 {
            anchors.insert(anchor, value.clone());
        }
        attach(&mut stack, &mut doc, value, here, plain_merge)?;
    }
    Ok(docs)
}

/// Put a finished value where it belongs: into the open collection, or as the document.
fn attach(stack: &mut [Open], doc: &mut Doc, value: Value, here: Pos, plain_merge: bool) -> Result<(), YamlError> {
    match stack.last_mut() {
        None => doc.value = value,
        Some(Open::Seq { path, items, .. }) => {
            if !value.is_array() && !value.is_object() {
                doc.positions.insert(index_path(path, items.len()), here);
            }
            items.push(value);
        }
        Some(Open::Map { key: key @ None, merge, .. }) => {
            *merge = plain_merge;
            *key = Some(match value {
                Value::String(s) => s,
                Value::Null => "null".to_string(),
                Value::Bool(b) => if b { "True" } else { "False" }.to_string(),
                Value::Number(n) => n.to_string(),
                _ => {
                    return Err(YamlError {
                        pos: here,
                        message: "a mapping or list used as a key; keys must be plain values".into(),
                    });
                }
            });
        }
        Some(Open::Map { path, map, key: key @ Some(_), merge, merged, .. }) => {
            let k = key.take().expect("matched Some");
            if std::mem::take(merge) {
                match value {
                    Value::Object(m) => merged.push(m),
                    Value::Array(list) if list.iter().all(Value::is_object) => {
                        merged.extend(list.into_iter().filter_map(|v| match v {
                            Value::Object(m) => Some(m),
                            _ => None,
                        }))
                    }
                    _ => {
                        return Err(YamlError {
                            pos: here,
                            message: "a `<<` merge key takes a mapping or a list of mappings".into(),
                        });
                    }
                }
                return Ok(());
            }
            let child = key_path(path, &k);
            if !value.is_array() && !value.is_object() {
                doc.positions.insert(child.clone(), here);
            }
            if map.insert(k, value).is_some() {
                doc.duplicate_keys.push(child);
            }
        }
    }
    Ok(())
}

fn count_values(v: &Value) -> usize {
    match v {
        Value::Array(a) => 1 + a.iter().map(count_values).sum::<usize>(),
        Value::Object(m) => 1 + m.values().map(count_values).sum::<usize>(),
        _ => 1,
    }
}

/// A scalar as PyYAML's `SafeLoader` reads it: quoted and block scalars are strings; plain ones are resolved.
fn resolve_scalar(text: &str, style: ScalarStyle, tag: Option<&Tag>, here: Pos) -> Result<Value, YamlError> {
    if let Some(tag) = tag.filter(|t| t.handle == "tag:yaml.org,2002:" || t.handle == "!!") {
        let bad = |what: &str| YamlError {
            pos: here,
            message: format!("{:?} is not {what} (tagged !!{})", text, tag.suffix),
        };
        return match tag.suffix.as_str() {
            "str" => Ok(Value::String(text.to_string())),
            "int" => resolve_int(text).ok_or_else(|| bad("an integer")),
            "float" => resolve_float(text).or_else(|| resolve_int(text)).ok_or_else(|| bad("a number")),
            "bool" => resolve_bool(text).map(Value::Bool).ok_or_else(|| bad("a boolean")),
            "null" => Ok(Value::Null),
            _ => Ok(Value::String(text.to_string())),
        };
    }
    if style != ScalarStyle::Plain {
        return Ok(Value::String(text.to_string()));
    }
    Ok(resolve_plain(text))
}

/// What a plain (unquoted) scalar means to PyYAML's `SafeLoader`.
pub fn resolve_plain(t: &str) -> Value {
    if matches!(t, "" | "~" | "null" | "Null" | "NULL") {
        return Value::Null;
    }
    if let Some(b) = resolve_bool(t) {
        return Value::Bool(b);
    }
    resolve_int(t).or_else(|| resolve_float(t)).unwrap_or_else(|| Value::String(t.to_string()))
}

fn resolve_bool(t: &str) -> Option<bool> {
    match t {
        "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => Some(true),
        "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => Some(false),
        _ => None,
    }
}

/// PyYAML's int: `[-+]?0b[01_]+`, `[-+]?0[0-7_]+` (octal), `[-+]?(0|[1-9][0-9_]*)`, `[-+]?0x[0-9a-fA-F_]+`,
/// sexagesimal `[-+]?[1-9][0-9_]*(:[0-5]?[0-9])+`.
fn resolve_int(t: &str) -> Option<Value> {
    let (neg, body) = match t.as_bytes().first()? {
        b'-' => (true, &t[1..]),
        b'+' => (false, &t[1..]),
        _ => (false, t),
    };
    if body.is_empty() {
        return None;
    }
    let digits = |s: &str, radix: u32| -> Option<i128> {
        let s: String = s.chars().filter(|c| *c != '_').collect();
        if s.is_empty() { None } else { i128::from_str_radix(&s, radix).ok() }
    };
    let magnitude = if let Some(b) = body.strip_prefix("0b") {
        digits(b, 2)?
    } else if let Some(h) = body.strip_prefix("0x") {
        digits(h, 16)?
    } else if body.contains(':') {
        let mut parts = body.split(':');
        let first = parts.next()?;
        if first.starts_with('0') || !first.chars().all(|c| c.is_ascii_digit() || c == '_') {
            return None;
        }
        let mut v = digits(first, 10)?;
        for p in parts {
            if p.is_empty() || p.len() > 2 || !p.chars().all(|c| c.is_ascii_digit()) || p.parse::<u8>().ok()? > 59 {
                return None;
            }
            v = v.checked_mul(60)?.checked_add(p.parse::<i128>().ok()?)?;
        }
        v
    } else if body.len() > 1 && body.starts_with('0') {
        if !body.chars().all(|c| matches!(c, '0'..='7' | '_')) {
            return None;
        }
        digits(body, 8)?
    } else {
        if !body.starts_with(|c: char| c.is_ascii_digit()) || !body.chars().all(|c| c.is_ascii_digit() || c == '_') {
            return None;
        }
        digits(body, 10)?
    };
    let v = if neg { -magnitude } else { magnitude };
    match i64::try_from(v) {
        Ok(i) => Some(Value::Number(i.into())),
        // Python ints are unbounded; JSON's are not: a huge one becomes the nearest float.
        Err(_) => Number::from_f64(v as f64).map(Value::Number),
    }
}

/// PyYAML's float: `[-+]?([0-9][0-9_]*)?\.[0-9.]*([eE][-+][0-9]+)?`, `[-+]?\.(inf|Inf|INF)`, `\.(nan|NaN|NAN)`, and
/// the sexagesimal form. JSON has no infinity or NaN: those stay strings, and the field check names them.
fn resolve_float(t: &str) -> Option<Value> {
    let body = t.strip_prefix(['-', '+']).unwrap_or(t);
    let (mantissa, exp) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let dot = mantissa.find('.')?;
    let (int_part, frac) = (&mantissa[..dot], &mantissa[dot + 1..]);
    let int_ok = int_part.is_empty()
        || (int_part.starts_with(|c: char| c.is_ascii_digit())
            && int_part.chars().all(|c| c.is_ascii_digit() || c == '_'));
    let frac_ok = frac.chars().all(|c| c.is_ascii_digit() || c == '.');
    let exp_ok =
        exp.is_none_or(|e| e.len() > 1 && e.starts_with(['-', '+']) && e[1..].chars().all(|c| c.is_ascii_digit()));
    if !(int_ok && frac_ok && exp_ok) || (int_part.is_empty() && frac.is_empty()) || frac.contains('.') {
        return None;
    }
    let clean: String = t.chars().filter(|c| *c != '_').collect();
    clean.parse::<f64>().ok().and_then(Number::from_f64).map(Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn one(text: &str) -> Doc {
        let mut docs = load_all(text).unwrap();
        assert_eq!(docs.len(), 1);
        docs.remove(0)
    }

    #[test]
    fn values_and_positions() {
        let d = one("applications:\n  - name: app\n    deployments:\n      - name: D\n        num_replicas: 4\n");
        assert_eq!(
            d.value,
            json!({"applications": [{"name": "app", "deployments": [{"name": "D", "num_replicas": 4}]}]})
        );
        assert_eq!(d.positions["applications[0].deployments[0].num_replicas"], Pos { line: 5, column: 23 });
        assert_eq!(d.positions["applications[0].name"], Pos { line: 2, column: 11 });
        // A path without its own position falls back to its closest ancestor.
        assert_eq!(d.position("applications[0].deployments[0].nope"), Some(Pos { line: 4, column: 9 }));
    }

    #[test]
    fn scalars_resolve_as_pyyaml_safe_load() {
        let d = one(
            "a: yes\nb: off\nc: 0o17\nd: 017\ne: 1e3\nf: 1.5e+3\ng: '4'\nh: ~\ni: 0x1F\nj: 1_000\nk: 1:30\nl: .5\nm: 3.\nn: -2\no: .inf\n",
        );
        assert_eq!(
            d.value,
            json!({"a": true, "b": false, "c": "0o17", "d": 15, "e": "1e3", "f": 1500.0, "g": "4", "h": null,
                   "i": 31, "j": 1000, "k": 90, "l": 0.5, "m": 3.0, "n": -2, "o": ".inf"})
        );
    }

    #[test]
    fn multi_document_streams_anchors_and_merge_keys() {
        let docs = load_all("base: &b {cpu: 1, gpu: 2}\nx:\n  <<: *b\n  gpu: 4\n---\nkind: RayCluster\n").unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].value["x"], json!({"cpu": 1, "gpu": 4}));
        assert_eq!(docs[1].value, json!({"kind": "RayCluster"}));
        assert_eq!(docs[1].positions["kind"], Pos { line: 6, column: 7 });
    }

    #[test]
    fn json_is_yaml() {
        let d = one("{\"applications\": [{\"name\": \"a\", \"num\": 2.5}]}");
        assert_eq!(d.value, json!({"applications": [{"name": "a", "num": 2.5}]}));
    }

    #[test]
    fn syntax_errors_have_line_and_column() {
        let e = load_all("a: 1\nb: [1, 2\nc: 3\n").unwrap_err();
        assert!(e.pos.line >= 2, "{e}");
        let e = load_all("a: 1\n  b: 2\n").unwrap_err();
        assert_eq!(e.pos.line, 2, "{e}");
    }

    #[test]
    fn duplicate_keys_are_reported_and_the_last_wins() {
        let d = one("a: 1\na: 2\n");
        assert_eq!(d.value, json!({"a": 2}));
        assert_eq!(d.duplicate_keys, vec!["a".to_string()]);
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..8 {
            let p = i - 1;
            text += &format!("a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n");
        }
        let e = load_all(&text).unwrap_err();
        assert!(e.message.contains("more than"), "{e}");
    }

    #[test]
    fn deep_nesting_is_refused() {
        let text = "[".repeat(500) + &"]".repeat(500);
        let e = load_all(&text).unwrap_err();
        assert!(e.message.contains("nested") || e.message.contains("recursion"), "{e}");
    }
}
