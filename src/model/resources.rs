//! Resource maps in fixed point (1/10000 of a unit, Ray's own granularity), so sums never drift.
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;

/// Fixed-point units per whole resource unit (Ray rounds resources to 1e-4).
pub const UNITS: i64 = 10_000;

/// A map from resource name (`CPU`, `GPU`, `memory`, custom) to an amount, kept in fixed point.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Resources(pub BTreeMap<String, i64>);

impl Resources {
    pub fn new() -> Resources {
        Resources(BTreeMap::new())
    }
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, f64)>) -> Resources {
        let mut r = Resources::new();
        for (k, v) in pairs {
            r.set(k, v);
        }
        r
    }
    pub fn set(&mut self, name: &str, amount: f64) {
        let units = to_units(amount);
        if units == 0 {
            self.0.remove(name);
        } else {
            self.0.insert(name.to_string(), units);
        }
    }
    pub fn get(&self, name: &str) -> i64 {
        self.0.get(name).copied().unwrap_or(0)
    }
    pub fn get_f64(&self, name: &str) -> f64 {
        self.get(name) as f64 / UNITS as f64
    }
    pub fn is_empty(&self) -> bool {
        self.0.values().all(|v| *v == 0)
    }
    /// True when every amount asked for is available here.
    pub fn covers(&self, need: &Resources) -> bool {
        need.0.iter().all(|(k, v)| *v <= 0 || self.get(k) >= *v)
    }
    pub fn add(&mut self, other: &Resources) {
        self.combine(other, 1);
    }
    pub fn sub(&mut self, other: &Resources) {
        self.combine(other, -1);
    }
    /// self += sign × other, dropping amounts that reach zero (keys are cloned only when new: this is hot).
    fn combine(&mut self, other: &Resources, sign: i64) {
        for (k, v) in &other.0 {
            let d = sign * v;
            match self.0.get_mut(k) {
                Some(x) => {
                    *x += d;
                    if *x == 0 {
                        self.0.remove(k);
                    }
                }
                None if d != 0 => {
                    self.0.insert(k.clone(), d);
                }
                None => {}
            }
        }
    }
    pub fn any_negative(&self) -> bool {
        self.0.values().any(|v| *v < 0)
    }
    /// A scalar "size" used to order bundles and nodes: the sum of all amounts.
    pub fn magnitude(&self) -> i64 {
        self.0.values().sum()
    }
    /// `{CPU: 1, GPU: 0.5}` — how Ray prints a resource dict, amounts without trailing zeros.
    pub fn describe(&self) -> String {
        if self.0.is_empty() {
            return "{}".to_string();
        }
        let parts: Vec<String> = self.0.iter().map(|(k, v)| format!("{k}: {}", fmt_amount(*v))).collect();
        format!("{{{}}}", parts.join(", "))
    }
}

impl Resources {
    /// How Ray's Python prints the dict in its messages: `{"CPU": 1.0, "GPU": 0.5}`.
    pub fn python_repr(&self) -> String {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|(k, v)| {
                let amount = fmt_amount(*v);
                let amount = if amount.contains('.') { amount } else { format!("{amount}.0") };
                format!("\"{k}\": {amount}")
            })
            .collect();
        format!("{{{}}}", parts.join(", "))
    }
}

pub fn to_units(amount: f64) -> i64 {
    if amount.is_nan() { 0 } else { (amount * UNITS as f64).round() as i64 }
}

pub fn fmt_amount(units: i64) -> String {
    let v = units as f64 / UNITS as f64;
    if units % UNITS == 0 {
        format!("{}", units / UNITS)
    } else {
        let s = format!("{v:.4}");
        s.trim_end_matches('0').to_string()
    }
}

impl Serialize for Resources {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // Already in key order: no intermediate map (which costs ~12 KB of wasm for one more BTreeMap type).
        s.collect_map(self.0.iter().map(|(k, v)| (k, *v as f64 / UNITS as f64)))
    }
}

impl<'de> Deserialize<'de> for Resources {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let m: BTreeMap<String, f64> = BTreeMap::deserialize(d)?;
        let mut out = BTreeMap::new();
        for (k, v) in m {
            // Keep zero and negative amounts so validation can name them; `set` would drop zeros.
            out.insert(k, to_units(v));
        }
        Ok(Resources(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn fixed_point_sums_are_exact() {
        let mut a = Resources::from_pairs([("CPU", 0.1)]);
        for _ in 0..9 {
            a.add(&Resources::from_pairs([("CPU", 0.1)]));
        }
        assert_eq!(a.get("CPU"), UNITS);
        assert!(a.covers(&Resources::from_pairs([("CPU", 1.0)])));
        assert_eq!(Resources::from_pairs([("CPU", 0.25), ("GPU", 1.0)]).describe(), "{CPU: 0.25, GPU: 1}");
    }
}
