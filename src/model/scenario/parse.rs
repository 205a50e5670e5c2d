//! Reading a scenario from JSON text, with errors that say where (field path, line and column).
//!
//! The text goes through three gates, and every error names the place it was found:
//! 1. size, emptiness and JSON syntax (line and column; serde_json's nesting limit of 128 levels keeps deeply
//!    nested input from overflowing the stack);
//! 2. shape: the body, each `applications[i]` and each `actions[i]` are deserialized on their own, so one bad
//!    application or action does not hide the others, and a field inside an action keeps its path
//!    (`actions[3].replica.gang`) even though [`Action`] has a hand-written deserializer;
//! 3. meaning: [`validate`], which knows Ray 2.60's rules and the format's own.
use super::{
    Action, ActionKind, ApplicationSpec, DeploymentRef, NodeSpec, ReplicaRef, SCENARIO_FORMAT, Scenario, Times,
    validate,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use std::fmt;

/// The largest scenario text accepted. Scenarios are written by hand and shared in links; 10 MiB is far more than
/// any of them needs, and it keeps a pasted log file or a runaway generator from freezing the browser tab.
pub(crate) const MAX_SCENARIO_BYTES: usize = 10 * 1024 * 1024;

/// At most this many errors are reported; the rest are summed up in one last error.
pub(crate) const MAX_ERRORS: usize = 100;

/// What is wrong with a scenario, and where.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ScenarioError {
    /// The field path, e.g. `applications[0].deployments[1].gang_scheduling_config.gang_size`; empty for the whole.
    pub path: String,
    /// Line and column (from 1) for JSON syntax errors.
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

impl ScenarioError {
    pub fn at(path: impl Into<String>, message: impl Into<String>) -> ScenarioError {
        ScenarioError { path: path.into(), line: None, column: None, message: message.into() }
    }

    /// Deserialize any `T` from a JSON value; on failure, serde's message (as is) at the path where it happened
    /// (empty for the value itself). Used for saved-session files, which are not scenarios but want field paths.
    pub fn deserialize_value<T: DeserializeOwned>(value: &Value) -> Result<T, ScenarioError> {
        tracked::deserialize(value)
            .map_err(|(path, e)| ScenarioError::at(if path == "." { String::new() } else { path }, e.to_string()))
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(l), Some(c)) if self.path.is_empty() => write!(f, "line {l}, column {c}: {}", self.message),
            (Some(l), Some(c)) => write!(f, "{} (line {l}, column {c}): {}", self.path, self.message),
            _ if self.path.is_empty() => write!(f, "{}", self.message),
            _ => write!(f, "{}: {}", self.path, self.message),
        }
    }
}

/// Parse and validate a scenario. Every error found is returned, in file order (a JSON syntax error stops at the
/// first; a shape error stops the rules of gate 3, which need a whole scenario).
pub fn parse_scenario(text: &str) -> Result<Scenario, Vec<ScenarioError>> {
    if text.len() > MAX_SCENARIO_BYTES {
        return Err(vec![ScenarioError::at(
            "",
            format!(
                "the scenario is {} bytes; the limit is {MAX_SCENARIO_BYTES} bytes (10 MiB). A scenario lists a \
                 cluster, deployments and actions; it should be a few kilobytes",
                text.len()
            ),
        )]);
    }
    // Editors on Windows may save a byte-order mark; it is not JSON but is harmless.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(vec![ScenarioError::at(
            "",
            format!(
                "the scenario is empty: expected a JSON object that starts with {{\"format\": \"{SCENARIO_FORMAT}\""
            ),
        )]);
    }
    let value: Value = serde_json::from_str(text).map_err(|e| vec![syntax_error(&e)])?;
    let Value::Object(mut body) = value else {
        return Err(vec![ScenarioError::at(
            "",
            format!(
                "a scenario must be a JSON object ({{\"format\": \"{SCENARIO_FORMAT}\", ...}}), found {}",
                describe(&value)
            ),
        )]);
    };
    check_format(&body)?;

    let mut errors = Vec::new();
    // Applications and actions are read one by one (below), so the body is read without them.
    let applications = body.remove("applications");
    let actions = body.remove("actions");
    let scenario = deserialize_at::<Scenario>(&Value::Object(body), "", &mut errors);
    let applications = match applications {
        None => Some(Vec::new()),
        Some(v) => parse_list(&v, "applications", "an application", &mut errors, |item, path, errors| {
            deserialize_at::<ApplicationSpec>(item, path, errors)
        }),
    };
    let actions = match actions {
        None => Some(Vec::new()),
        Some(v) => parse_list(&v, "actions", "an action", &mut errors, parse_action),
    };
    let (Some(mut scenario), Some(applications), Some(actions), true) =
        (scenario, applications, actions, errors.is_empty())
    else {
        return Err(capped(errors));
    };
    scenario.applications = applications;
    scenario.actions = actions;
    validate(&scenario)?;
    Ok(scenario)
}

/// Keep the first [`MAX_ERRORS`] errors and say how many more there were.
pub(crate) fn capped(mut errors: Vec<ScenarioError>) -> Vec<ScenarioError> {
    if errors.len() > MAX_ERRORS {
        let more = errors.len() - MAX_ERRORS;
        errors.truncate(MAX_ERRORS);
        errors
            .push(ScenarioError::at("", format!("... and {more} more problem(s) not shown; fix the ones above first")));
    }
    errors
}

fn syntax_error(e: &serde_json::Error) -> ScenarioError {
    let raw = strip_position(&e.to_string());
    let message = if raw.contains("recursion limit exceeded") {
        "not valid JSON: nested more than 128 levels deep (recursion limit exceeded)".to_string()
    } else if e.is_eof() {
        format!("not valid JSON: the text ends too early ({raw}); is a closing brace, bracket or quote missing?")
    } else if raw.starts_with("trailing comma") {
        format!("not valid JSON: {raw} (JSON allows no comma before a closing brace or bracket)")
    } else {
        format!("not valid JSON: {raw}")
    };
    // serde_json counts columns from 1 but reports 0 when the error is at the very start of a line.
    ScenarioError { path: String::new(), line: Some(e.line()), column: Some(e.column().max(1)), message }
}

fn check_format(body: &Map<String, Value>) -> Result<(), Vec<ScenarioError>> {
    let message = match body.get("format") {
        Some(Value::String(f)) if f == SCENARIO_FORMAT => return Ok(()),
        Some(Value::String(other)) => {
            format!("unsupported format \"{other}\"; this version of Gangplank reads \"{SCENARIO_FORMAT}\"")
        }
        Some(other) => format!("expected the string \"{SCENARIO_FORMAT}\", found {}", describe(other)),
        None => format!("missing: a scenario starts with \"format\": \"{SCENARIO_FORMAT}\""),
    };
    Err(vec![ScenarioError::at("format", message)])
}

/// Read a JSON array item by item; `None` if the value is not an array or any item failed.
fn parse_list<T>(
    value: &Value,
    path: &str,
    what: &str,
    errors: &mut Vec<ScenarioError>,
    mut parse_item: impl FnMut(&Value, &str, &mut Vec<ScenarioError>) -> Option<T>,
) -> Option<Vec<T>> {
    let Value::Array(items) = value else {
        errors
            .push(ScenarioError::at(path, format!("expected an array ([...]) of {what}s, found {}", describe(value))));
        return None;
    };
    let mut out = Vec::with_capacity(items.len());
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        match parse_item(item, &format!("{path}[{i}]"), errors) {
            Some(v) => out.push(v),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

/// Deserialize `value` as a `T`, recording any error with its full path (`prefix` + the path inside `value`).
fn deserialize_at<T: DeserializeOwned>(value: &Value, prefix: &str, errors: &mut Vec<ScenarioError>) -> Option<T> {
    match tracked::deserialize::<T>(value) {
        Ok(v) => Some(v),
        Err((inner, e)) => {
            let path = join_path(prefix, if inner == "." { "" } else { &inner });
            errors.push(ScenarioError::at(path, friendly(&strip_position(&e.to_string()))));
            None
        }
    }
}

fn join_path(prefix: &str, inner: &str) -> String {
    match (prefix.is_empty(), inner.is_empty()) {
        (true, _) => inner.to_string(),
        (false, true) => prefix.to_string(),
        (false, false) if inner.starts_with('[') => format!("{prefix}{inner}"),
        (false, false) => format!("{prefix}.{inner}"),
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Field paths

/// Deserializing from a `serde_json::Value` with the path of the first error, e.g. `deployments[1].gang_size`.
///
/// This is what `serde_path_to_error::deserialize(&value)` gives (same path text, same error), without its
/// wrapper around serde_json's own `&Value` deserializer: every type read through the wrapper was compiled twice
/// over (~35 KB of wasm). The deserializer below does what serde_json's `&Value` deserializer does, and records
/// where the first error happened: at the value whose deserialization failed, or at the key for an unknown field.
pub(crate) mod tracked {
    use serde::de::value::BorrowedStrDeserializer;
    use serde::de::{self, DeserializeSeed, Error as _, Visitor};
    use serde_json::{Error, Map, Number, Value};
    use std::cell::RefCell;

    /// The path of the first error (`"."` when it is the whole value), and the error.
    pub(crate) fn deserialize<T: de::DeserializeOwned>(value: &Value) -> Result<T, (String, Error)> {
        let first = RefCell::new(None);
        T::deserialize(De { value, at: &At::Root, first: &first })
            .map_err(|e| (first.into_inner().unwrap_or_else(|| ".".to_string()), e))
    }

    /// Where a value sits: a chain of keys and indices up to the root.
    enum At<'p> {
        Root,
        Key(&'p At<'p>, &'p str),
        Index(&'p At<'p>, usize),
    }

    impl At<'_> {
        /// As serde_path_to_error prints it: `a.b[0].c`, or `.` for the root.
        fn render(&self) -> String {
            let mut parts = Vec::new();
            let mut at = self;
            loop {
                match at {
                    At::Root => break,
                    At::Key(parent, key) => {
                        parts.push((true, (*key).to_string()));
                        at = parent;
                    }
                    At::Index(parent, i) => {
                        parts.push((false, format!("[{i}]")));
                        at = parent;
                    }
                }
            }
            if parts.is_empty() {
                return ".".to_string();
            }
            let mut out = String::new();
            for (i, (dotted, part)) in parts.iter().rev().enumerate() {
                if *dotted && i > 0 {
                    out.push('.');
                }
                out.push_str(part);
            }
            out
        }
    }

    type First = RefCell<Option<String>>;

    /// Record `at` as the error's place unless a deeper place was recorded first.
    fn fail(first: &First, at: &At<'_>, e: Error) -> Error {
        let mut first = first.borrow_mut();
        if first.is_none() {
            *first = Some(at.render());
        }
        e
    }

    fn unexpected(v: &Value) -> de::Unexpected<'_> {
        match v {
            Value::Null => de::Unexpected::Unit,
            Value::Bool(b) => de::Unexpected::Bool(*b),
            Value::Number(n) => match (n.as_u64(), n.as_i64()) {
                (Some(u), _) => de::Unexpected::Unsigned(u),
                (None, Some(i)) => de::Unexpected::Signed(i),
                _ => de::Unexpected::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            Value::String(s) => de::Unexpected::Str(s),
            Value::Array(_) => de::Unexpected::Seq,
            Value::Object(_) => de::Unexpected::Map,
        }
    }

    fn visit_number<'de, V: Visitor<'de>>(n: &Number, visitor: V) -> Result<V::Value, Error> {
        match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => visitor.visit_u64(u),
            (None, Some(i)) => visitor.visit_i64(i),
            _ => visitor.visit_f64(n.as_f64().unwrap_or(f64::NAN)),
        }
    }

    struct De<'de, 'p> {
        value: &'de Value,
        at: &'p At<'p>,
        first: &'p First,
    }

    impl<'de, 'p> De<'de, 'p> {
        fn invalid<V: Visitor<'de>>(&self, visitor: &V) -> Error {
            Error::invalid_type(unexpected(self.value), visitor)
        }

        fn done<T>(&self, r: Result<T, Error>) -> Result<T, Error> {
            r.map_err(|e| fail(self.first, self.at, e))
        }

        fn seq<V: Visitor<'de>>(&self, items: &'de [Value], visitor: V) -> Result<V::Value, Error> {
            let mut seq = Seq { items: items.iter(), index: 0, at: self.at, first: self.first };
            let out = visitor.visit_seq(&mut seq)?;
            match seq.items.len() {
                0 => Ok(out),
                _ => Err(Error::invalid_length(items.len(), &"fewer elements in array")),
            }
        }

        fn map<V: Visitor<'de>>(&self, entries: &'de Map<String, Value>, visitor: V) -> Result<V::Value, Error> {
            let mut map = Entries { entries: entries.iter(), value: None, at: self.at, first: self.first };
            let out = visitor.visit_map(&mut map)?;
            match map.entries.len() {
                0 => Ok(out),
                _ => Err(Error::invalid_length(entries.len(), &"fewer elements in map")),
            }
        }

        fn any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            let r = match self.value {
                Value::Null => visitor.visit_unit(),
                Value::Bool(b) => visitor.visit_bool(*b),
                Value::Number(n) => visit_number(n, visitor),
                Value::String(s) => visitor.visit_borrowed_str(s),
                Value::Array(items) => self.seq(items, visitor),
                Value::Object(entries) => self.map(entries, visitor),
            };
            self.done(r)
        }

        fn number<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            let r = match self.value {
                Value::Number(n) => visit_number(n, visitor),
                _ => Err(self.invalid(&visitor)),
            };
            self.done(r)
        }
    }

    macro_rules! numbers {
        ($($method:ident)*) => {
            $(fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
                self.number(visitor)
            })*
        };
    }

    /// serde_json's `&Value` deserializer, method for method, plus the error's place.
    impl<'de> de::Deserializer<'de> for De<'de, '_> {
        type Error = Error;

        numbers!(deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_u8 deserialize_u16
            deserialize_u32 deserialize_u64 deserialize_f32 deserialize_f64);

        fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            self.any(visitor)
        }

        fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            let (at, first) = (self.at, self.first);
            let r = match self.value {
                Value::Null => visitor.visit_none(),
                _ => visitor.visit_some(De { value: self.value, at, first }),
            };
            r.map_err(|e| fail(first, at, e))
        }

        fn deserialize_enum<V: Visitor<'de>>(
            self,
            _name: &'static str,
            _variants: &'static [&'static str],
            visitor: V,
        ) -> Result<V::Value, Error> {
            // No scenario type is a Rust enum (enum-like fields are strings); unit variants are read like serde_json.
            let r = match self.value {
                Value::String(s) => visitor.visit_enum(BorrowedStrDeserializer::new(s)),
                Value::Object(_) => Err(Error::custom("enum variants with data are not supported here")),
                other => Err(Error::invalid_type(unexpected(other), &"string or map")),
            };
            self.done(r)
        }

        fn deserialize_newtype_struct<V: Visitor<'de>>(self, _: &'static str, visitor: V) -> Result<V::Value, Error> {
            let (at, first) = (self.at, self.first);
            visitor.visit_newtype_struct(De { value: self.value, at, first }).map_err(|e| fail(first, at, e))
        }

        fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            let r = match self.value {
                Value::Bool(b) => visitor.visit_bool(*b),
                _ => Err(self.invalid(&visitor)),
            };
            self.done(r)
        }

        fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            self.deserialize_str(visitor)
        }

        fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            let r = match self.value {
                Value::String(s) => visitor.visit_borrowed_str(s),
                _ => Err(self.invalid(&visitor)),
            };
            self.done(r)
        }

        fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            self.deserialize_str(visitor)
        }

        fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            let r = match self.value {
                Value::String(s) => visitor.visit_borrowed_str(s),
                Value::Array(items) => self.seq(items, visitor),
                _ => Err(self.invalid(&visitor)),
            };
            self.done(r)
        }

        fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            self.deserialize_bytes(visitor)
        }

        fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            let r = match self.value {
                Value::Null => visitor.visit_unit(),
                _ => Err(self.invalid(&visitor)),
            };
            self.done(r)
        }

        fn deserialize_unit_struct<V: Visitor<'de>>(self, _: &'static str, visitor: V) -> Result<V::Value, Error> {
            self.deserialize_unit(visitor)
        }

        fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            let r = match self.value {
                Value::Array(items) => self.seq(items, visitor),
                _ => Err(self.invalid(&visitor)),
            };
            self.done(r)
        }

        fn deserialize_tuple<V: Visitor<'de>>(self, _: usize, visitor: V) -> Result<V::Value, Error> {
            self.deserialize_seq(visitor)
        }

        fn deserialize_tuple_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            _: usize,
            visitor: V,
        ) -> Result<V::Value, Error> {
            self.deserialize_seq(visitor)
        }

        fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            let r = match self.value {
                Value::Object(entries) => self.map(entries, visitor),
                _ => Err(self.invalid(&visitor)),
            };
            self.done(r)
        }

        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            _: &'static [&'static str],
            visitor: V,
        ) -> Result<V::Value, Error> {
            let r = match self.value {
                Value::Array(items) => self.seq(items, visitor),
                Value::Object(entries) => self.map(entries, visitor),
                _ => Err(self.invalid(&visitor)),
            };
            self.done(r)
        }

        fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            self.deserialize_str(visitor)
        }

        fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            visitor.visit_unit()
        }
    }

    struct Seq<'de, 'p> {
        items: std::slice::Iter<'de, Value>,
        index: usize,
        at: &'p At<'p>,
        first: &'p First,
    }

    impl<'de> de::SeqAccess<'de> for Seq<'de, '_> {
        type Error = Error;

        fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Error> {
            let Some(value) = self.items.next() else { return Ok(None) };
            let at = At::Index(self.at, self.index);
            self.index += 1;
            seed.deserialize(De { value, at: &at, first: self.first }).map(Some).map_err(|e| fail(self.first, &at, e))
        }

        fn size_hint(&self) -> Option<usize> {
            Some(self.items.len())
        }
    }

    struct Entries<'de, 'p> {
        entries: serde_json::map::Iter<'de>,
        value: Option<(&'de str, &'de Value)>,
        at: &'p At<'p>,
        first: &'p First,
    }

    impl<'de> de::MapAccess<'de> for Entries<'de, '_> {
        type Error = Error;

        fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Error> {
            let Some((key, value)) = self.entries.next() else { return Ok(None) };
            self.value = Some((key, value));
            // An unknown field is an error in the key: its place is the key's.
            seed.deserialize(BorrowedStrDeserializer::new(key))
                .map(Some)
                .map_err(|e| fail(self.first, &At::Key(self.at, key), e))
        }

        fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, Error> {
            let Some((key, value)) = self.value.take() else { return Err(Error::custom("value is missing")) };
            let at = At::Key(self.at, key);
            seed.deserialize(De { value, at: &at, first: self.first }).map_err(|e| fail(self.first, &at, e))
        }

        fn size_hint(&self) -> Option<usize> {
            Some(self.entries.len())
        }
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Actions

type FieldCheck = fn(&Value, &str, &mut Vec<ScenarioError>) -> bool;
/// An action field: its name, whether it is required, and the check of its type.
type Field = (&'static str, bool, FieldCheck);

fn check<T: DeserializeOwned>(value: &Value, path: &str, errors: &mut Vec<ScenarioError>) -> bool {
    deserialize_at::<T>(value, path, errors).is_some()
}

/// [`check`] for a type without fields inside (a number, a string, [`Times`]): an error can only be at `path`
/// itself, so no path tracking is needed, and the deserializer is the one [`ActionKind::from_value`] uses.
fn check_plain<T: DeserializeOwned>(value: &Value, path: &str, errors: &mut Vec<ScenarioError>) -> bool {
    match T::deserialize(value.clone()) {
        Ok(_) => true,
        Err(e) => {
            errors.push(ScenarioError::at(path, friendly(&strip_position(&e.to_string()))));
            false
        }
    }
}

/// One action kind as the file spells it: its `do` name and its fields (name, required, type check).
/// Kept in step with [`ActionKind`]; a `do` name missing here still parses through serde (with coarser paths).
const ACTION_KINDS: &[(&str, &[Field])] = &[
    ("kill_replica", &[("replica", true, check::<ReplicaRef>)]),
    ("fail_health_check", &[("replica", true, check::<ReplicaRef>), ("times", true, check_plain::<Times>)]),
    ("heal_health_check", &[("replica", true, check::<ReplicaRef>)]),
    (
        "fail_constructor",
        &[
            ("deployment", true, check::<DeploymentRef>),
            ("rank", false, check_plain::<Option<u32>>),
            ("times", true, check_plain::<Times>),
        ],
    ),
    ("kill_node", &[("node", true, check_plain::<String>)]),
    ("add_node", &[("node", true, check::<NodeSpec>)]),
    ("kill_controller", &[]),
    ("fail_gcs_queries", &[("for_s", true, check_plain::<f64>)]),
    ("set_num_replicas", &[("deployment", true, check::<DeploymentRef>), ("num_replicas", true, check_plain::<i64>)]),
    ("delete_app", &[("app", true, check_plain::<String>)]),
];

fn action_names() -> Vec<&'static str> {
    ACTION_KINDS.iter().map(|(name, _)| *name).collect()
}

/// Read `actions[i]`: every field is checked on its own so that each error keeps its path.
fn parse_action(item: &Value, path: &str, errors: &mut Vec<ScenarioError>) -> Option<Action> {
    let Value::Object(obj) = item else {
        errors.push(ScenarioError::at(
            path,
            format!(
                "an action must be a JSON object like {{\"at_s\": 10, \"do\": \"kill_node\", \"node\": \"w1\"}}, found {}",
                describe(item)
            ),
        ));
        return None;
    };
    let before = errors.len();
    let at_s = match obj.get("at_s") {
        None => {
            errors.push(ScenarioError::at(
                format!("{path}.at_s"),
                "missing field `at_s`: every action needs the simulated time (in seconds) at which it happens",
            ));
            None
        }
        Some(v) => {
            let at = v.as_f64();
            if at.is_none() {
                errors.push(ScenarioError::at(
                    format!("{path}.at_s"),
                    format!("expected a number of seconds, found {}", describe(v)),
                ));
            }
            at
        }
    };
    let names = action_names();
    let name = match obj.get("do") {
        None => {
            errors.push(ScenarioError::at(
                format!("{path}.do"),
                format!("missing field `do`: say which action this is, one of {}", backticked(&names)),
            ));
            None
        }
        Some(Value::String(s)) => Some(s.as_str()),
        Some(other) => {
            errors.push(ScenarioError::at(
                format!("{path}.do"),
                format!("expected a string naming the action, found {}", describe(other)),
            ));
            None
        }
    };
    if let Some(name) = name {
        match ACTION_KINDS.iter().find(|(n, _)| *n == name) {
            Some((_, fields)) => check_action_fields(obj, path, name, fields, errors),
            None => {
                // An action kind added to `ActionKind` but not to the table above still parses.
                let mut rest = obj.clone();
                rest.remove("at_s");
                if ActionKind::from_value(Value::Object(rest)).is_err() {
                    errors.push(ScenarioError::at(
                        format!("{path}.do"),
                        format!(
                            "unknown action `{name}`, expected one of {}{}",
                            backticked(&names),
                            did_you_mean(name, &names)
                        ),
                    ));
                }
            }
        }
    }
    if errors.len() > before {
        return None;
    }
    let at_s = at_s?;
    let mut rest = obj.clone();
    rest.remove("at_s");
    match ActionKind::from_value(Value::Object(rest)) {
        Ok(kind) => Some(Action { at_s, kind }),
        Err(e) => {
            errors.push(ScenarioError::at(path, friendly(&strip_position(&e.to_string()))));
            None
        }
    }
}

fn check_action_fields(
    obj: &Map<String, Value>,
    path: &str,
    name: &str,
    fields: &[Field],
    errors: &mut Vec<ScenarioError>,
) {
    let mut allowed: Vec<&str> = vec!["at_s", "do"];
    allowed.extend(fields.iter().map(|(f, _, _)| *f));
    for key in obj.keys() {
        if !allowed.contains(&key.as_str()) {
            errors.push(ScenarioError::at(
                format!("{path}.{key}"),
                format!(
                    "unknown field `{key}` for a `{name}` action, expected {}{}",
                    one_of(&allowed),
                    did_you_mean(key, &allowed)
                ),
            ));
        }
    }
    for (field, required, check_field) in fields {
        match obj.get(*field) {
            None if *required => errors.push(ScenarioError::at(
                format!("{path}.{field}"),
                format!("missing field `{field}` (a `{name}` action needs {})", backticked_fields(fields)),
            )),
            None => {}
            Some(v) => {
                check_field(v, &format!("{path}.{field}"), errors);
            }
        }
    }
}

fn backticked_fields(fields: &[Field]) -> String {
    let required: Vec<&str> = fields.iter().filter(|(_, r, _)| *r).map(|(f, _, _)| *f).collect();
    backticked(&required)
}

// ---------------------------------------------------------------------------------------------------------------
// Messages

fn strip_position(msg: &str) -> String {
    match msg.find(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

/// serde's message in plainer words (`expected f64` -> `expected a number`), with a "did you mean" for an unknown
/// field or variant that is close to an expected one.
fn friendly(msg: &str) -> String {
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

/// ` (did you mean `x`?)` when one candidate is within a small edit distance, else empty.
fn did_you_mean(found: &str, candidates: &[&str]) -> String {
    let found_lower = fold(found);
    let best = candidates.iter().map(|c| (edit_distance(&found_lower, &fold(c)), *c)).min_by_key(|(d, _)| *d);
    match best {
        Some((d, c)) if d > 0 && d <= 2.max(found.chars().count() / 4) => format!(" (did you mean `{c}`?)"),
        Some((0, c)) if c != found => format!(" (did you mean `{c}`?)"),
        _ => String::new(),
    }
}

/// `str::to_lowercase` as far as [`did_you_mean`] can tell, without Unicode's case tables (~17 KB of wasm once no
/// other code lower-cases): the names compared with are ASCII, so only the characters whose lower case contains an
/// ASCII letter matter (the ASCII capitals, the Kelvin sign and the dotted capital I); any other character matches no
/// ASCII letter, lower-cased or not, and lower-cases to exactly one character (checked by a test for every `char`).
fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\u{212A}' => out.push('k'),
            '\u{130}' => out.push_str("i\u{307}"),
            c => out.push(c.to_ascii_lowercase()),
        }
    }
    out
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

fn backticked(names: &[&str]) -> String {
    names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
}

fn one_of(names: &[&str]) -> String {
    match names {
        [one] => format!("`{one}`"),
        _ => format!("one of {}", backticked(names)),
    }
}

/// "a string \"x\"", "an array", ...: what a JSON value is, for messages.
fn describe(v: &Value) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_kind_in_the_table_parses_with_serde() {
        let samples = [
            r#"{"do":"kill_replica","replica":{"app":"a","deployment":"d","index":0}}"#,
            r#"{"do":"fail_health_check","replica":{"app":"a","deployment":"d","index":0},"times":"forever"}"#,
            r#"{"do":"heal_health_check","replica":{"app":"a","deployment":"d","index":0}}"#,
            r#"{"do":"fail_constructor","deployment":{"app":"a","deployment":"d"},"rank":1,"times":2}"#,
            r#"{"do":"kill_node","node":"w1"}"#,
            r#"{"do":"add_node","node":{"id":"w9","resources":{"CPU":2}}}"#,
            r#"{"do":"kill_controller"}"#,
            r#"{"do":"fail_gcs_queries","for_s":3}"#,
            r#"{"do":"set_num_replicas","deployment":{"app":"a","deployment":"d"},"num_replicas":4}"#,
            r#"{"do":"delete_app","app":"a"}"#,
        ];
        assert_eq!(samples.len(), ACTION_KINDS.len());
        for (sample, (name, _)) in samples.iter().zip(ACTION_KINDS) {
            let kind: ActionKind = serde_json::from_str(sample).unwrap();
            assert_eq!(kind.name(), *name);
            let mut errors = Vec::new();
            let mut v: Value = serde_json::from_str(sample).unwrap();
            v.as_object_mut().unwrap().insert("at_s".into(), Value::from(1.0));
            assert!(parse_action(&v, "actions[0]", &mut errors).is_some(), "{name}: {errors:?}");
        }
    }

    #[test]
    fn fold_is_to_lowercase_where_it_matters() {
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            let lower: String = c.to_lowercase().collect();
            let folded = fold(&c.to_string());
            if lower.chars().any(|l| l.is_ascii()) || lower.chars().count() != 1 {
                assert_eq!(folded, lower, "{c:?}");
            } else {
                assert!(folded.chars().count() == 1 && !folded.is_ascii(), "{c:?}");
            }
        }
    }

    #[test]
    fn did_you_mean_finds_close_names() {
        assert_eq!(did_you_mean("gang_sise", &["gang_size", "rank"]), " (did you mean `gang_size`?)");
        assert_eq!(did_you_mean("zzz", &["gang_size", "rank"]), "");
        assert_eq!(did_you_mean("PACK", &["pack"]), " (did you mean `pack`?)");
    }
}
