//! Validation of what issue "traffic and autoscaling" added: `num_replicas: "auto"`, `autoscaling_config` (Ray
//! 2.60's `AutoscalingConfig` rules, and the two gang checks: the Python API's `DeploymentConfig` skips the
//! gang-multiple check under autoscaling, the config-file schema requires set `min_replicas`, `max_replicas` and
//! `initial_replicas` to be multiples of `gang_size` when `num_replicas` is `"auto"`), `max_ongoing_requests`,
//! `max_queued_requests`, the scenario's `validation` path and its `traffic`.
use super::validate::{Apps, Validator, num, quoted_or};
use super::{
    AutoscalingConfigSpec, DeploymentSpec, LOAD_SHAPES, LoadComponent, NumReplicas, Scenario, ServiceTimeSpec,
    TrafficSpec,
};
use crate::model::scenario::messages::{MANUAL_NUM_REPLICAS, did_you_mean};
use crate::model::serve::autoscaling_config::AggregationFunction;
use std::collections::BTreeSet;

/// The largest autoscaling bound Gangplank runs (as for `num_replicas`).
const MAX_REPLICAS: i64 = 1000;
/// Offered load above this many requests per second is not a scenario, it is a typo.
const MAX_RPS: f64 = 1e7;
/// The two validation paths.
pub const VALIDATION_PATHS: [&str; 2] = ["python_api", "config_file"];

impl Validator {
    /// `num_replicas` and `autoscaling_config` of one deployment, plus the request limits.
    pub(super) fn replicas_and_autoscaling(&mut self, d: &DeploymentSpec, dp: &str) {
        let p = |f: &str| format!("{dp}.{f}");
        match (d.num_replicas, &d.autoscaling_config) {
            (Some(NumReplicas::Fixed(_)), Some(_)) => self.push(p("num_replicas"), MANUAL_NUM_REPLICAS),
            (Some(NumReplicas::Fixed(n)), None) => {
                self.replica_count(&p("num_replicas"), n);
            }
            _ => {}
        }
        if d.autoscaling() {
            let auto = d.num_replicas == Some(NumReplicas::Auto);
            let empty = AutoscalingConfigSpec::default();
            self.autoscaling_config(d.autoscaling_config.as_ref().unwrap_or(&empty), auto, &p("autoscaling_config"));
        }
        if let Some(n) = d.max_ongoing_requests
            && n < 1
        {
            self.push(
                p("max_ongoing_requests"),
                format!("Input should be greater than 0 (found {n}; Ray's default is 5)"),
            );
        }
        if let Some(n) = d.max_queued_requests
            && n < 1
            && n != -1
        {
            self.push(
                p("max_queued_requests"),
                format!("max_queued_requests must be -1 (no limit) or a positive integer. (found {n})"),
            );
        }
    }

    /// `AutoscalingConfig`'s field types and `replicas_settings_valid`, with the defaults Ray fills in (the class's
    /// own, or `AutoscalingConfig.default()`'s under `num_replicas: "auto"`).
    fn autoscaling_config(&mut self, a: &AutoscalingConfigSpec, auto: bool, ap: &str) {
        let p = |f: &str| format!("{ap}.{f}");
        let mut ok = true;
        for (name, v, least) in [
            ("min_replicas", a.min_replicas, 0),
            ("max_replicas", a.max_replicas, 1),
            ("initial_replicas", a.initial_replicas, 0),
        ] {
            let Some(n) = v else { continue };
            if n < least {
                let bound = if least == 0 { "greater than or equal to 0" } else { "greater than 0" };
                self.push(p(name), format!("Input should be {bound} (found {n})"));
                ok = false;
            } else if n > MAX_REPLICAS {
                self.push(
                    p(name),
                    format!("{n} replicas is more than Gangplank models: at most {MAX_REPLICAS} per deployment"),
                );
                ok = false;
            }
        }
        for (name, v) in [
            ("target_ongoing_requests", a.target_ongoing_requests),
            ("metrics_interval_s", a.metrics_interval_s),
            ("look_back_period_s", a.look_back_period_s),
            ("upscaling_factor", a.upscaling_factor),
            ("downscaling_factor", a.downscaling_factor),
        ] {
            if let Some(x) = v {
                self.positive(&p(name), x);
            }
        }
        for (name, v) in [
            ("upscale_delay_s", a.upscale_delay_s),
            ("downscale_delay_s", a.downscale_delay_s),
            ("downscale_to_zero_delay_s", a.downscale_to_zero_delay_s),
        ] {
            if let Some(x) = v {
                self.non_negative(&p(name), x);
            }
        }
        if let Some(f) = &a.aggregation_function
            && AggregationFunction::parse(f).is_none()
        {
            self.push(
                p("aggregation_function"),
                format!(
                    "'{}' is not a valid AggregationFunction: Input should be {}{}",
                    f.to_ascii_lowercase(),
                    quoted_or(&AggregationFunction::ALL),
                    did_you_mean(f, &AggregationFunction::ALL)
                ),
            );
        }
        if !ok {
            return;
        }
        // replicas_settings_valid, on the values Ray ends up with.
        let min = a.min_replicas.unwrap_or(1);
        let max = a.max_replicas.unwrap_or(if auto { 100 } else { 1 });
        let max_path = if a.max_replicas.is_some() { p("max_replicas") } else { ap.to_string() };
        let defaulted = |set: bool, what: &str| if set { String::new() } else { format!(" ({what} is Ray's default)") };
        if max < min {
            self.push(
                max_path.clone(),
                format!(
                    "max_replicas ({max}) must be greater than or equal to min_replicas ({min})!{}",
                    defaulted(a.max_replicas.is_some(), "max_replicas")
                ),
            );
        }
        if let Some(initial) = a.initial_replicas {
            if initial < min {
                self.push(
                    p("initial_replicas"),
                    format!("min_replicas ({min}) must be less than or equal to initial_replicas ({initial})!"),
                );
            } else if initial > max {
                self.push(
                    p("initial_replicas"),
                    format!(
                        "max_replicas ({max}) must be greater than or equal to initial_replicas ({initial})!{}",
                        defaulted(a.max_replicas.is_some(), "max_replicas")
                    ),
                );
            }
        }
    }

    /// The scenario's `validation` path, and on the config-file path the schema's gang check
    /// (`DeploymentSchema.validate_gang_scheduling_config`: with `num_replicas: "auto"`, each of `min_replicas`,
    /// `max_replicas`, `initial_replicas` the user set must be a multiple of `gang_size`).
    pub(super) fn autoscaling_schema_path(&mut self, s: &Scenario) {
        let path = s.validation.as_deref().unwrap_or("python_api");
        if !VALIDATION_PATHS.contains(&path) {
            self.push(
                "validation",
                format!(
                    "Input should be {} (found '{path}'){}",
                    quoted_or(&VALIDATION_PATHS),
                    did_you_mean(path, &VALIDATION_PATHS)
                ),
            );
            return;
        }
        if path != "config_file" {
            return;
        }
        for (ai, app) in s.applications.iter().enumerate() {
            for (di, d) in app.deployments.iter().enumerate() {
                let (Some(g), Some(NumReplicas::Auto)) = (&d.gang_scheduling_config, d.num_replicas) else { continue };
                let Some(a) = &d.autoscaling_config else { continue };
                if g.gang_size < 1 {
                    continue;
                }
                for (name, v) in [
                    ("min_replicas", a.min_replicas),
                    ("max_replicas", a.max_replicas),
                    ("initial_replicas", a.initial_replicas),
                ] {
                    if let Some(n) = v
                        && n % g.gang_size != 0
                    {
                        self.push(
                            format!("applications[{ai}].deployments[{di}].autoscaling_config.{name}"),
                            format!(
                                "autoscaling_config.{name} ({n}) must be a multiple of gang_size ({}).",
                                g.gang_size
                            ),
                        );
                    }
                }
            }
        }
    }

    /// `traffic[i]`: an existing deployment, once each, with a valid load and service time.
    pub(super) fn traffic(&mut self, traffic: &[TrafficSpec], apps: &Apps<'_>) {
        let mut seen = BTreeSet::new();
        for (i, t) in traffic.iter().enumerate() {
            let tp = format!("traffic[{i}]");
            if self.named_deployment(&t.app, &t.deployment, &tp, apps).is_some()
                && !seen.insert((t.app.as_str(), t.deployment.as_str()))
            {
                self.push(
                    format!("{tp}.deployment"),
                    format!("{}/{} already has traffic; give each deployment one entry (its load is a list of components that add up)", t.app, t.deployment),
                );
            }
            self.load(&t.load, &format!("{tp}.load"));
            self.service_time(&t.service_time_s, &format!("{tp}.service_time_s"));
        }
    }

    /// A service time: a positive mean and a non-negative spread.
    pub(super) fn service_time(&mut self, st: &ServiceTimeSpec, path: &str) {
        self.positive(&format!("{path}.mean"), st.mean);
        self.non_negative(&format!("{path}.spread"), st.spread);
    }

    /// A load: a non-empty list of components, each with the fields its shape needs and no others.
    pub(super) fn load(&mut self, load: &[LoadComponent], lp: &str) {
        if load.is_empty() {
            self.push(lp, "a load needs at least one component, e.g. {\"shape\": \"constant\", \"rps\": 10}");
        }
        for (i, c) in load.iter().enumerate() {
            self.component(c, &format!("{lp}[{i}]"));
        }
    }

    fn component(&mut self, c: &LoadComponent, cp: &str) {
        let p = |f: &str| format!("{cp}.{f}");
        let (needs, may): (&[&str], &[&str]) = match c.shape.as_str() {
            "constant" => (&["rps"], &[]),
            "steps" => (&["steps"], &[]),
            "ramp" => (&["to_rps", "end_s"], &["from_rps", "start_s"]),
            "ramps" => (&["points"], &[]),
            "daily" => (&["max_rps"], &["min_rps", "period_s", "peak_at_s"]),
            "bursts" => (&["rps", "every_s", "for_s"], &["start_s"]),
            other => {
                self.push(
                    p("shape"),
                    format!(
                        "Input should be {} (found '{other}'){}",
                        quoted_or(&LOAD_SHAPES),
                        did_you_mean(other, &LOAD_SHAPES)
                    ),
                );
                return;
            }
        };
        let present: [(&str, bool); 13] = [
            ("rps", c.rps.is_some()),
            ("steps", c.steps.is_some()),
            ("points", c.points.is_some()),
            ("from_rps", c.from_rps.is_some()),
            ("to_rps", c.to_rps.is_some()),
            ("start_s", c.start_s.is_some()),
            ("end_s", c.end_s.is_some()),
            ("min_rps", c.min_rps.is_some()),
            ("max_rps", c.max_rps.is_some()),
            ("period_s", c.period_s.is_some()),
            ("peak_at_s", c.peak_at_s.is_some()),
            ("every_s", c.every_s.is_some()),
            ("for_s", c.for_s.is_some()),
        ];
        for (field, set) in present {
            if needs.contains(&field) && !set {
                self.push(
                    p(field),
                    format!("missing field `{field}`: a `{}` load needs {}", c.shape, needs.join(", ")),
                );
            } else if set && !needs.contains(&field) && !may.contains(&field) {
                let uses: Vec<&str> = needs.iter().chain(may).copied().collect();
                self.push(
                    p(field),
                    format!("`{field}` does not apply to a `{}` load (it uses {})", c.shape, uses.join(", ")),
                );
            }
        }
        for (field, v) in [
            ("rps", c.rps),
            ("from_rps", c.from_rps),
            ("to_rps", c.to_rps),
            ("min_rps", c.min_rps),
            ("max_rps", c.max_rps),
        ] {
            if let Some(x) = v {
                self.rate(&p(field), x);
            }
        }
        for (field, v) in [("start_s", c.start_s), ("end_s", c.end_s), ("peak_at_s", c.peak_at_s)] {
            if let Some(x) = v {
                self.non_negative(&p(field), x);
            }
        }
        for (field, v) in [("period_s", c.period_s), ("every_s", c.every_s), ("for_s", c.for_s)] {
            if let Some(x) = v {
                self.positive(&p(field), x);
            }
        }
        if let (Some(s), Some(e)) = (c.start_s.or(Some(0.0)), c.end_s)
            && c.shape == "ramp"
            && e <= s
        {
            self.push(p("end_s"), format!("a ramp must end after it starts (start_s {}, end_s {})", num(s), num(e)));
        }
        if let (Some(lo), Some(hi)) = (c.min_rps, c.max_rps)
            && hi < lo
        {
            self.push(p("max_rps"), format!("max_rps ({}) must be at least min_rps ({})", num(hi), num(lo)));
        }
        if let (Some(every), Some(f)) = (c.every_s, c.for_s)
            && f > every
        {
            self.push(
                p("for_s"),
                format!("a burst ({} s) must be shorter than its period every_s ({} s)", num(f), num(every)),
            );
        }
        for (field, list) in [("steps", &c.steps), ("points", &c.points)] {
            let Some(steps) = list else { continue };
            if steps.is_empty() {
                self.push(p(field), format!("{field} needs at least one {{\"at_s\": ..., \"rps\": ...}}"));
            }
            let mut last = f64::NEG_INFINITY;
            for (i, st) in steps.iter().enumerate() {
                let sp = format!("{cp}.{field}[{i}]");
                if self.non_negative(&format!("{sp}.at_s"), st.at_s) && st.at_s <= last {
                    self.push(
                        format!("{sp}.at_s"),
                        format!("{field} must be in time order, each later than the one before"),
                    );
                }
                last = st.at_s;
                self.rate(&format!("{sp}.rps"), st.rps);
            }
        }
    }

    fn rate(&mut self, path: &str, x: f64) {
        if self.non_negative(path, x) && x > MAX_RPS {
            self.push(
                path,
                format!("{} requests per second is more than Gangplank models (at most {})", num(x), num(MAX_RPS)),
            );
        }
    }
}
