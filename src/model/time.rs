//! Virtual time: integer microseconds, so ordering is exact and identical on every platform.
use serde::{Deserialize, Serialize};

/// A point in simulated time, in microseconds since the scenario started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SimTime(pub u64);

/// A span of simulated time, in microseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SimDuration(pub u64);

pub const MICROS_PER_S: u64 = 1_000_000;

impl SimTime {
    pub const ZERO: SimTime = SimTime(0);
    pub const NEVER: SimTime = SimTime(u64::MAX);

    /// Seconds to time, rounded to the nearest microsecond (negative and NaN clamp to zero).
    pub fn from_secs_f64(s: f64) -> SimTime {
        SimTime(secs_to_micros(s))
    }
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / MICROS_PER_S as f64
    }
    pub fn plus(self, d: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(d.0))
    }
    pub fn since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }
}

impl SimDuration {
    pub const ZERO: SimDuration = SimDuration(0);
    pub fn from_secs_f64(s: f64) -> SimDuration {
        SimDuration(secs_to_micros(s))
    }
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / MICROS_PER_S as f64
    }
}

fn secs_to_micros(s: f64) -> u64 {
    if s.is_nan() || s <= 0.0 {
        0
    } else if s >= (u64::MAX / 2) as f64 / MICROS_PER_S as f64 {
        u64::MAX / 2
    } else {
        (s * MICROS_PER_S as f64).round() as u64
    }
}

/// Seconds printed the way traces and narration show them: shortest exact decimal of the microsecond value.
pub fn fmt_secs(t: SimTime) -> String {
    let whole = t.0 / MICROS_PER_S;
    let frac = t.0 % MICROS_PER_S;
    if frac == 0 {
        format!("{whole}.0")
    } else {
        let s = format!("{whole}.{frac:06}");
        s.trim_end_matches('0').to_string()
    }
}

/// Serialize a time as seconds (a JSON number), for traces.
pub fn serialize_secs<S: serde::Serializer>(t: &SimTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(t.as_secs_f64())
}

/// Serialize an optional time as seconds or `null`.
pub fn serialize_opt_secs<S: serde::Serializer>(t: &Option<SimTime>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_f64(t.as_secs_f64()),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn seconds_round_trip_at_microsecond_precision() {
        assert_eq!(SimTime::from_secs_f64(1.5).0, 1_500_000);
        assert_eq!(SimTime::from_secs_f64(0.1).0, 100_000);
        assert_eq!(SimTime::from_secs_f64(-3.0).0, 0);
        assert_eq!(fmt_secs(SimTime(1_500_000)), "1.5");
        assert_eq!(fmt_secs(SimTime(2_000_000)), "2.0");
        assert_eq!(fmt_secs(SimTime(100)), "0.0001");
    }
}
