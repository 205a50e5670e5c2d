//! The scenario's offered load: per deployment, requests per second over time (a sum of shapes) and how long a
//! request takes. Not a Ray option: it is the workload the callers send through their `DeploymentHandle`s.
use serde::{Deserialize, Serialize};

/// Traffic to one deployment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrafficSpec {
    pub app: String,
    pub deployment: String,
    /// The offered load is the sum of these components, in requests per second.
    pub load: Vec<LoadComponent>,
    #[serde(default)]
    pub service_time_s: ServiceTimeSpec,
}

/// One component of an offered load. `shape` says which fields apply:
/// - `constant`: `rps`;
/// - `steps`: `steps` (`[{"at_s", "rps"}]`, each level holds until the next; 0 before the first);
/// - `ramp`: `from_rps` until `start_s`, linearly to `to_rps` at `end_s`, then `to_rps`;
/// - `ramps`: `points` (`[{"at_s", "rps"}]`), straight lines between them, the first level before the first point
///   and the last after the last;
/// - `daily`: a cosine between `min_rps` and `max_rps` over `period_s` (default 86400), highest at `peak_at_s`
///   (default half a period);
/// - `bursts`: `rps` extra for `for_s` seconds every `every_s`, from `start_s` (default 0).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoadComponent {
    pub shape: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rps: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steps: Option<Vec<LoadStep>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub points: Option<Vec<LoadStep>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_rps: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_rps: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_s: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_s: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_rps: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_rps: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period_s: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_at_s: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub every_s: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub for_s: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoadStep {
    pub at_s: f64,
    pub rps: f64,
}

/// How long one request occupies a replica: a mean and a spread (standard deviation), in seconds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceTimeSpec {
    pub mean: f64,
    #[serde(default)]
    pub spread: f64,
}

impl Default for ServiceTimeSpec {
    fn default() -> Self {
        ServiceTimeSpec { mean: 0.1, spread: 0.0 }
    }
}

/// The load shapes, in the order the docs list them.
pub const LOAD_SHAPES: [&str; 6] = ["constant", "steps", "ramp", "ramps", "daily", "bursts"];
