//! Deserializing from a `serde_json::Value` with the path of the first error, e.g. `deployments[1].gang_size`.
//!
//! This is what `serde_path_to_error::deserialize(&value)` gives (same path text, same error), without its
//! wrapper around serde_json's own `&Value` deserializer: every type read through the wrapper was compiled twice
//! over (~35 KB of wasm). The deserializer below does what serde_json's `&Value` deserializer does, and records
//! where the first error happened: at the value whose deserialization failed, or at the key for an unknown field.
//! A test below checks it against serde_path_to_error (a dev-dependency) on every preset, mutated.
use super::messages::unexpected;
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

/// Test helpers shared with `app::import`'s test of saved-session files (which are app types).
#[cfg(test)]
pub(crate) mod testing {
    use serde_json::Value;

    /// The preset files (`scenarios/presets/`), read here because the model does not depend on `app::presets`;
    /// `app::import`'s test checks that this list has as many files as `PRESETS`.
    macro_rules! presets {
        ($($id:literal)*) => {
            pub(crate) const PRESET_FILES: &[&str] =
                &[$(include_str!(concat!("../../../scenarios/presets/", $id, ".json"))),*];
        };
    }
    presets!("steady-pack" "steady-spread" "replica-crash" "health-check-failure" "startup-failure"
        "constructor-always-fails" "controller-restart" "controller-restart-leaked-pg" "node-failure"
        "not-enough-resources" "scale-up-down" "delete-app" "gang-and-non-gang" "big-cluster" "rolling-upgrade"
        "rolling-upgrade-surge" "spot-drain" "drain-during-upgrade" "teardown-under-load" "autoscale-ramp"
        "scale-to-zero");

    /// Every place in `v` (as a pointer list) and every object, for the mutations below.
    fn places(v: &Value, at: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
        out.push(at.clone());
        match v {
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    at.push(i.to_string());
                    places(item, at, out);
                    at.pop();
                }
            }
            Value::Object(m) => {
                for (k, item) in m {
                    at.push(k.clone());
                    places(item, at, out);
                    at.pop();
                }
            }
            _ => {}
        }
    }

    fn pointer(at: &[String]) -> String {
        at.iter().map(|p| format!("/{}", p.replace('~', "~0").replace('/', "~1"))).collect()
    }

    /// Documents made from `base` by replacing each place with odd values, and by adding, misspelling and removing
    /// keys of each object.
    pub(crate) fn mutations(base: &Value, limit: usize) -> Vec<Value> {
        let mut all = Vec::new();
        places(base, &mut Vec::new(), &mut all);
        let step = all.len().div_ceil(limit).max(1);
        let odd = [
            Value::Null,
            Value::from(true),
            Value::from(-1),
            Value::from(1.5),
            Value::from(u64::MAX),
            Value::from("x"),
            serde_json::json!([]),
            serde_json::json!([1, "a"]),
            serde_json::json!({}),
            serde_json::json!({"zz": 1}),
        ];
        let mut out = vec![base.clone()];
        for at in all.iter().step_by(step) {
            let ptr = pointer(at);
            for o in &odd {
                let mut v = base.clone();
                *v.pointer_mut(&ptr).unwrap() = o.clone();
                out.push(v);
            }
            if let Some(Value::Object(m)) = base.pointer(&ptr) {
                for extra in ["zz", "aa", "nam", "resourcs"] {
                    let mut v = base.clone();
                    v.pointer_mut(&ptr).unwrap().as_object_mut().unwrap().insert(extra.into(), Value::from(1));
                    out.push(v);
                }
                for k in m.keys() {
                    let mut v = base.clone();
                    v.pointer_mut(&ptr).unwrap().as_object_mut().unwrap().remove(k);
                    out.push(v);
                }
            }
        }
        out
    }

    /// [`super::deserialize`] against serde_path_to_error, which it replaces: same value, or same path and same
    /// message. True when the error was below the top (it has a path).
    pub(crate) fn agrees_with_serde_path_to_error<T: serde::de::DeserializeOwned + PartialEq + std::fmt::Debug>(
        v: &Value,
    ) -> bool {
        let ours = super::deserialize::<T>(v).map_err(|(path, e)| (path, e.to_string()));
        let theirs =
            serde_path_to_error::deserialize::<_, T>(v).map_err(|e| (e.path().to_string(), e.inner().to_string()));
        assert_eq!(ours, theirs, "{v}");
        ours.is_err_and(|(path, _)| path != ".")
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{PRESET_FILES, agrees_with_serde_path_to_error as agrees, mutations};
    use crate::model::scenario::{ApplicationSpec, DeploymentRef, NodeSpec, ReplicaRef, Scenario};
    use serde_json::Value;

    #[test]
    fn field_paths_are_those_of_serde_path_to_error() {
        let (mut n, mut deep) = (0, 0);
        for text in PRESET_FILES {
            let base: Value = serde_json::from_str(text).unwrap();
            for v in mutations(&base, 150) {
                deep += usize::from(agrees::<Scenario>(&v));
                if let Some(app) = v.pointer("/applications/0") {
                    deep += usize::from(agrees::<ApplicationSpec>(app));
                }
                n += 1;
            }
        }
        let small = [
            serde_json::json!({"app": "a", "deployment": "d", "gang": 0, "rank": 1, "index": 2, "id": "abcd1234"}),
            serde_json::json!({"app": "a", "deployment": "d"}),
            serde_json::json!({"id": "w9", "resources": {"CPU": 2, "GPU": 1}, "labels": {"zone": "a"}}),
        ];
        for base in &small {
            for v in mutations(base, 100) {
                deep += usize::from(agrees::<ReplicaRef>(&v));
                deep += usize::from(agrees::<DeploymentRef>(&v));
                deep += usize::from(agrees::<NodeSpec>(&v));
                n += 1;
            }
        }
        // Documents compared, and errors found below the top (with a path) among them.
        assert!(n > 8_000 && deep > 4_500, "{n} documents, {deep} errors with a path");
    }
}
