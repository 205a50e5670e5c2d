//! `num_replicas` (a count or `"auto"`) and `autoscaling_config`, as the scenario file writes them: every field
//! optional, so validation can tell a value the user set from Ray's default (the config-file schema checks only
//! the set ones) and `num_replicas: "auto"` can merge the user's fields over `AutoscalingConfig.default()`.
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// `num_replicas`: a fixed count, or `"auto"` (autoscaling with Ray's `AutoscalingConfig.default()` under the
/// user's `autoscaling_config`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NumReplicas {
    Fixed(i64),
    Auto,
}

impl NumReplicas {
    /// The fixed count, if there is one.
    pub fn fixed(self) -> Option<i64> {
        match self {
            NumReplicas::Fixed(n) => Some(n),
            NumReplicas::Auto => None,
        }
    }
}

impl Default for NumReplicas {
    fn default() -> Self {
        NumReplicas::Fixed(1)
    }
}

impl From<i64> for NumReplicas {
    fn from(n: i64) -> Self {
        NumReplicas::Fixed(n)
    }
}

impl Serialize for NumReplicas {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            NumReplicas::Fixed(n) => s.serialize_i64(*n),
            NumReplicas::Auto => s.serialize_str("auto"),
        }
    }
}

impl<'de> Deserialize<'de> for NumReplicas {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = NumReplicas;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an integer or \"auto\"")
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<NumReplicas, E> {
                Ok(NumReplicas::Fixed(n))
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<NumReplicas, E> {
                i64::try_from(n).map(NumReplicas::Fixed).map_err(|_| E::custom(format!("{n} is too large")))
            }
            fn visit_f64<E: de::Error>(self, x: f64) -> Result<NumReplicas, E> {
                Err(E::custom(format!("`num_replicas` must be an int or \"auto\", but got: {x}")))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<NumReplicas, E> {
                if s == "auto" {
                    Ok(NumReplicas::Auto)
                } else {
                    Err(E::custom(format!("`num_replicas` must be an int or \"auto\", but got: {s}")))
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// Ray's `AutoscalingConfig` fields (`serve/config.py`), each `None` where the file leaves it out.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AutoscalingConfigSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_replicas: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_replicas: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial_replicas: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_ongoing_requests: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metrics_interval_s: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub look_back_period_s: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upscale_delay_s: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub downscale_delay_s: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub downscale_to_zero_delay_s: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upscaling_factor: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub downscaling_factor: Option<f64>,
    /// `"mean"` (default), `"max"` or `"min"` (Ray lower-cases what it is given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aggregation_function: Option<String>,
}
