//! Validation: every rule Ray 2.60 enforces on these configs, plus the format's own.
//!
//! Each error names the path of the offending field and says what is wrong. Where Ray 2.60 rejects the same
//! mistake, the message uses Ray's wording (`../shared/oracle/traces/api_validation.json`; Ray's
//! `serve/_private/config.py`, `util/placement_group.py`, `_common/ray_option_utils.py`). Errors come out in a
//! fixed order: top-level fields, cluster, timing, toggles, applications, actions, each in file order.
//!
//! Limits that Ray does not have but a bounded, deterministic run needs are the constants below; each says why.
use super::error::capped;
use super::messages::did_you_mean;
use super::{
    ActionKind, ApplicationSpec, DeploymentRef, DeploymentSpec, GangSchedulingConfig, NodeSpec, RayActorOptions,
    ReplicaRef, SCENARIO_FORMAT, Scenario, ScenarioError, Times, TimingSpec, Toggles,
};
use crate::model::cluster::DrainReason;
use crate::model::resources::{Resources, UNITS, fmt_amount, to_units};
use crate::model::serve::behaviour::{
    AutoscalingRounding, Choice, GangPgRemoval, GangServing, LeakDetection, StartupFailureCounting,
};
use std::collections::BTreeMap;

/// `until_s` at most 7 days of simulated time. Time itself could go much further (microseconds in a u64), but
/// the model runs tick by tick: 7 days at the default 0.1 s loop is 6 million ticks, already minutes of work,
/// and nothing in a gang-scheduling scenario needs more.
const MAX_UNTIL_S: f64 = 7.0 * 24.0 * 3600.0;
/// The control loop may not tick faster than every millisecond (Ray's own is 100 ms).
const MIN_CONTROL_LOOP_INTERVAL_S: f64 = 0.001;
/// A run may take at most this many control-loop ticks (`until_s / control_loop_interval_s`), so that every run,
/// including one in a browser tab, finishes.
const MAX_TICKS: f64 = 10_000_000.0;
/// Replicas per deployment (`num_replicas`, `set_num_replicas`, `gang_size`): Ray has no limit, the model and
/// its drawing need one.
const MAX_REPLICAS_PER_DEPLOYMENT: i64 = 1000;
/// Bundles in `placement_group_bundles` (a gang's PG has `gang_size` times as many).
const MAX_BUNDLES_PER_REPLICA: usize = 100;
/// One resource amount, in whole units: 1e13 covers 10 TB of memory in bytes, and keeps fixed-point sums far
/// from overflowing.
const MAX_RESOURCE_AMOUNT: f64 = 1e13;
/// The cluster-wide total of one resource (head, nodes and added nodes), in whole units; fixed-point sums of
/// it (x 10^4) stay inside an i64.
const MAX_CLUSTER_RESOURCE_TOTAL: f64 = 1e14;
/// Ray Serve's MAX_REPLICAS_PER_NODE_MAX_VALUE.
const MAX_REPLICAS_PER_NODE: i64 = 100;

/// Ray 2.60's refusal of `num_replicas: 0`: the config schema's `PositiveInt` (`serve/schema.py`
/// `DeploymentSchema.num_replicas`), then `@serve.deployment` and `Deployment.options()` (`serve/api.py`
/// `deployment`, `serve/deployment.py` `Deployment.options`: "num_replicas is expected to larger than 0").
const NUM_REPLICAS_ZERO: &str = "Input should be greater than 0 (found 0). Ray 2.60: \"num_replicas is expected to \
                                 larger than 0\"; scaling to zero is autoscaling's (min_replicas: 0), which Gangplank \
                                 does not model";

const GANG_STRATEGIES: [&str; 2] = ["PACK", "SPREAD"];
const PG_STRATEGIES: [&str; 4] = ["PACK", "SPREAD", "STRICT_PACK", "STRICT_SPREAD"];

/// Check a parsed scenario; returns every problem found, each naming its field path.
pub fn validate(scenario: &Scenario) -> Result<(), Vec<ScenarioError>> {
    let mut v = Validator { errors: Vec::new() };
    v.top_level(scenario);
    let nodes = v.cluster(scenario);
    v.timing(&scenario.timing, "timing");
    v.toggles(&scenario.toggles);
    let apps = v.applications(&scenario.applications);
    v.autoscaling_schema_path(scenario);
    v.traffic(&scenario.traffic, &apps);
    v.actions(scenario, &nodes, &apps);
    if v.errors.is_empty() { Ok(()) } else { Err(capped(v.errors)) }
}

pub(super) struct Validator {
    pub(super) errors: Vec<ScenarioError>,
}

/// Where each node id is declared (the head, `cluster.nodes[i]`, or an `add_node` action).
struct NodeIds {
    head: String,
    declared: BTreeMap<String, String>,
}

/// Applications by name (the first of a duplicated name), with their deployments by name.
pub(super) type Apps<'a> = BTreeMap<&'a str, BTreeMap<&'a str, &'a DeploymentSpec>>;

impl Validator {
    pub(super) fn push(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.errors.push(ScenarioError::at(path, message));
    }

    // -----------------------------------------------------------------------------------------------------------
    // Numbers

    /// A finite number; says so and returns false otherwise.
    pub(super) fn finite(&mut self, path: &str, x: f64) -> bool {
        if x.is_finite() {
            return true;
        }
        self.push(path, format!("must be a finite number (found {})", num(x)));
        false
    }

    /// Pydantic's PositiveFloat, as Ray uses it for seconds: finite and > 0.
    pub(super) fn positive(&mut self, path: &str, x: f64) -> bool {
        if !self.finite(path, x) {
            return false;
        }
        if x <= 0.0 {
            self.push(path, format!("Input should be greater than 0 (found {})", num(x)));
            return false;
        }
        true
    }

    /// Pydantic's NonNegativeFloat: finite and >= 0.
    pub(super) fn non_negative(&mut self, path: &str, x: f64) -> bool {
        if !self.finite(path, x) {
            return false;
        }
        if x < 0.0 {
            self.push(path, format!("Input should be greater than or equal to 0 (found {})", num(x)));
            return false;
        }
        true
    }

    fn positive_opt(&mut self, path: &str, x: Option<f64>) {
        if let Some(x) = x {
            self.positive(path, x);
        }
    }

    fn non_negative_opt(&mut self, path: &str, x: Option<f64>) {
        if let Some(x) = x {
            self.non_negative(path, x);
        }
    }

    /// A replica count (`num_replicas`, `set_num_replicas`): at least 1, as Ray 2.60 requires of `num_replicas` in
    /// `@serve.deployment`, `.options()` and the config schema (`PositiveInt`), and at most the model's limit. A
    /// negative count gets DeploymentConfig's `NonNegativeInt` message; 0 gets the schema's and the decorator's.
    pub(super) fn replica_count(&mut self, path: &str, n: i64) -> bool {
        if n < 0 {
            self.push(path, format!("Input should be greater than or equal to 0 (found {n})"));
            return false;
        }
        if n == 0 {
            self.push(path, NUM_REPLICAS_ZERO);
            return false;
        }
        if n > MAX_REPLICAS_PER_DEPLOYMENT {
            self.push(
                path,
                format!(
                    "{n} replicas is more than Gangplank models: at most {MAX_REPLICAS_PER_DEPLOYMENT} per deployment"
                ),
            );
            return false;
        }
        true
    }

    /// A resource map: names non-empty, amounts non-negative and not absurdly large.
    fn resources(&mut self, path: &str, r: &Resources) {
        for (name, units) in &r.0 {
            let p = key_path(path, name);
            if name.trim().is_empty() {
                self.push(&p, "a resource name must not be empty");
            }
            self.amount(&p, *units);
        }
    }

    fn amount(&mut self, path: &str, units: i64) {
        if units < 0 {
            self.push(path, format!("resource amounts must be non-negative (found {})", fmt_units(units)));
        } else if units as f64 > MAX_RESOURCE_AMOUNT * UNITS as f64 {
            let shown = if units == i64::MAX { String::new() } else { format!(" ({})", fmt_units(units)) };
            self.push(
                path,
                format!(
                    "the amount{shown} is too large: Gangplank keeps resource amounts up to {} (in fixed point, \
                     1/10000 of a unit)",
                    num(MAX_RESOURCE_AMOUNT)
                ),
            );
        }
    }

    fn labels(&mut self, path: &str, labels: &BTreeMap<String, String>) {
        for key in labels.keys() {
            if key.trim().is_empty() {
                self.push(key_path(path, key), "a label key must not be empty");
            }
        }
    }

    // -----------------------------------------------------------------------------------------------------------
    // Top level, cluster, timing, toggles

    fn top_level(&mut self, s: &Scenario) {
        if s.format != SCENARIO_FORMAT {
            self.push(
                "format",
                format!("unsupported format \"{}\"; this version of Gangplank reads \"{SCENARIO_FORMAT}\"", s.format),
            );
        }
        if self.positive("until_s", s.until_s) {
            if s.until_s > MAX_UNTIL_S {
                self.push(
                    "until_s",
                    format!(
                        "{} s is longer than Gangplank runs: at most {} s (7 days) of simulated time, which is \
                         already millions of control-loop ticks",
                        num(s.until_s),
                        num(MAX_UNTIL_S)
                    ),
                );
            } else {
                let interval = s.timing.control_loop_interval_s.unwrap_or(TimingSpec::DEFAULT_CONTROL_LOOP_INTERVAL_S);
                if interval.is_finite() && interval >= MIN_CONTROL_LOOP_INTERVAL_S && s.until_s / interval > MAX_TICKS {
                    self.push(
                        "until_s",
                        format!(
                            "until_s / timing.control_loop_interval_s = {} / {} = {} control-loop ticks; a run is \
                             limited to {} ticks (shorten until_s or lengthen the interval)",
                            num(s.until_s),
                            num(interval),
                            (s.until_s / interval).round(),
                            num(MAX_TICKS)
                        ),
                    );
                }
            }
        }
    }

    /// Node ids, resources and labels of the initial cluster and of every `add_node`; returns where each id is.
    fn cluster(&mut self, s: &Scenario) -> NodeIds {
        let head = s.head_id();
        if let Some(id) = &s.cluster.head.id
            && id.trim().is_empty()
        {
            self.push("cluster.head.id", "a node id must not be empty (leave it out to get the default, \"head\")");
        }
        self.resources("cluster.head.resources", &s.cluster.head.resources);
        self.labels("cluster.head.labels", &s.cluster.head.labels);
        let mut declared = BTreeMap::new();
        declared.insert(head.clone(), "cluster.head.id".to_string());

        let mut totals: BTreeMap<String, i128> = BTreeMap::new();
        let mut add_total = |r: &Resources| {
            for (k, v) in &r.0 {
                // Amounts out of range are reported on their own; clamp them so they are not counted twice.
                let units = (*v).clamp(0, (MAX_RESOURCE_AMOUNT * UNITS as f64) as i64);
                *totals.entry(k.clone()).or_insert(0) += i128::from(units);
            }
        };
        add_total(&s.cluster.head.resources);

        let mut nodes: Vec<(String, &NodeSpec)> = Vec::new();
        for (i, n) in s.cluster.nodes.iter().enumerate() {
            nodes.push((format!("cluster.nodes[{i}]"), n));
        }
        for (i, a) in s.actions.iter().enumerate() {
            if let ActionKind::AddNode { node } = &a.kind {
                nodes.push((format!("actions[{i}].node"), node));
            }
        }
        for (path, n) in &nodes {
            let id_path = format!("{path}.id");
            if n.id.trim().is_empty() {
                self.push(&id_path, "a node id must not be empty");
            } else if let Some(first) = declared.get(&n.id) {
                let whose = if *first == "cluster.head.id" {
                    if s.cluster.head.id.is_none() {
                        " (the head node, whose id defaults to \"head\")".to_string()
                    } else {
                        " (the head node)".to_string()
                    }
                } else {
                    String::new()
                };
                self.push(
                    &id_path,
                    format!("node id \"{}\" is already used by {first}{whose}; node ids are unique", n.id),
                );
            } else {
                declared.insert(n.id.clone(), id_path.clone());
            }
            self.resources(&format!("{path}.resources"), &n.resources);
            self.labels(&format!("{path}.labels"), &n.labels);
            add_total(&n.resources);
        }
        for (name, total) in totals {
            if total as f64 > MAX_CLUSTER_RESOURCE_TOTAL * UNITS as f64 {
                self.push(
                    "cluster",
                    format!(
                        "the cluster's total {name} (all nodes, including added ones) is more than Gangplank keeps: \
                         at most {}",
                        num(MAX_CLUSTER_RESOURCE_TOTAL)
                    ),
                );
            }
        }
        NodeIds { head, declared }
    }

    fn timing(&mut self, t: &TimingSpec, path: &str) {
        let p = |f: &str| format!("{path}.{f}");
        if let Some(x) = t.control_loop_interval_s
            && self.positive(&p("control_loop_interval_s"), x)
            && x < MIN_CONTROL_LOOP_INTERVAL_S
        {
            self.push(
                p("control_loop_interval_s"),
                format!(
                    "{} s is too short: the control loop may tick at most every {} s (Ray's default is 0.1 s), so \
                     that runs stay bounded",
                    num(x),
                    num(MIN_CONTROL_LOOP_INTERVAL_S)
                ),
            );
        }
        self.positive_opt(&p("health_check_period_s"), t.health_check_period_s);
        self.positive_opt(&p("health_check_timeout_s"), t.health_check_timeout_s);
        if t.health_check_failure_threshold == Some(0) {
            self.push(
                p("health_check_failure_threshold"),
                "Input should be greater than or equal to 1 (found 0): a replica is unhealthy after this many \
                 failed checks in a row",
            );
        }
        self.non_negative_opt(&p("graceful_shutdown_timeout_s"), t.graceful_shutdown_timeout_s);
        self.non_negative_opt(&p("graceful_shutdown_wait_loop_s"), t.graceful_shutdown_wait_loop_s);
        if let Some([lo, hi]) = t.replica_startup_s {
            let ok_lo = self.non_negative(&format!("{path}.replica_startup_s[0]"), lo);
            let ok_hi = self.non_negative(&format!("{path}.replica_startup_s[1]"), hi);
            if ok_lo && ok_hi && lo > hi {
                self.push(
                    p("replica_startup_s"),
                    format!("expected [min, max] with min <= max (found [{}, {}])", num(lo), num(hi)),
                );
            }
        }
        self.non_negative_opt(&p("replica_recovery_s"), t.replica_recovery_s);
        self.non_negative_opt(&p("replica_reconfigure_s"), t.replica_reconfigure_s);
        self.non_negative_opt(&p("controller_restart_s"), t.controller_restart_s);
        self.non_negative_opt(&p("node_death_detection_s"), t.node_death_detection_s);
        self.positive_opt(&p("slow_startup_warning_s"), t.slow_startup_warning_s);
    }

    /// Each named toggle takes one of its enum's values (`ALL`); an unknown key is refused when the file is read.
    fn toggles(&mut self, t: &Toggles) {
        self.choice::<GangPgRemoval>(&t.gang_pg_removal);
        self.choice::<StartupFailureCounting>(&t.startup_failure_counting);
        self.choice::<LeakDetection>(&t.leak_detection);
        self.choice::<GangServing>(&t.gang_serving);
        self.choice::<AutoscalingRounding>(&t.autoscaling_rounding);
    }

    fn choice<C: Choice>(&mut self, value: &str) {
        if C::parse(value).is_none() {
            let allowed = C::names();
            self.push(
                format!("toggles.{}", C::FIELD),
                format!("Input should be {} (found '{value}'){}", quoted_or(&allowed), did_you_mean(value, &allowed)),
            );
        }
    }

    // -----------------------------------------------------------------------------------------------------------
    // Applications and deployments

    fn applications<'a>(&mut self, apps: &'a [ApplicationSpec]) -> Apps<'a> {
        let mut by_name: Apps<'a> = BTreeMap::new();
        let mut first_path: BTreeMap<&str, String> = BTreeMap::new();
        for (ai, app) in apps.iter().enumerate() {
            let ap = format!("applications[{ai}]");
            if app.name.trim().is_empty() {
                self.push(format!("{ap}.name"), "an application name must not be empty");
            } else if let Some(first) = first_path.get(app.name.as_str()) {
                self.push(
                    format!("{ap}.name"),
                    format!(
                        "application name \"{}\" is already used by {first}; application names are unique",
                        app.name
                    ),
                );
            } else {
                first_path.insert(&app.name, format!("{ap}.name"));
            }
            if app.deployments.is_empty() {
                self.push(
                    format!("{ap}.deployments"),
                    "an application needs at least one deployment (a Serve application always has its ingress \
                     deployment)",
                );
            }
            let mut deployments: BTreeMap<&str, &DeploymentSpec> = BTreeMap::new();
            for (di, d) in app.deployments.iter().enumerate() {
                let dp = format!("{ap}.deployments[{di}]");
                if d.name.trim().is_empty() {
                    self.push(format!("{dp}.name"), "a deployment name must not be empty");
                } else if deployments.contains_key(d.name.as_str()) {
                    let first = app.deployments.iter().position(|x| x.name == d.name).unwrap_or(0);
                    self.push(
                        format!("{dp}.name"),
                        format!(
                            "deployment name \"{}\" is already used by {ap}.deployments[{first}]; deployment names \
                             are unique within an application",
                            d.name
                        ),
                    );
                } else {
                    deployments.insert(&d.name, d);
                }
                self.deployment(d, &dp);
            }
            by_name.entry(app.name.as_str()).or_insert(deployments);
        }
        by_name
    }

    fn deployment(&mut self, d: &DeploymentSpec, dp: &str) {
        let p = |f: &str| format!("{dp}.{f}");
        let gang = d.gang_scheduling_config.as_ref();
        self.replicas_and_autoscaling(d, dp);
        self.actor_options(&d.ray_actor_options, &p("ray_actor_options"));
        if let Some(bundles) = &d.placement_group_bundles {
            self.bundles(d, bundles, &p("placement_group_bundles"));
        }
        if let Some(strategy) = &d.placement_group_strategy {
            if gang.is_some() {
                self.push(
                    p("placement_group_strategy"),
                    "Setting placement_group_strategy is not allowed when gang_scheduling_config is provided. Use \
                     gang_scheduling_config.gang_placement_strategy instead.",
                );
            } else {
                if d.placement_group_bundles.is_none() {
                    self.push(
                        p("placement_group_strategy"),
                        "If `placement_group_strategy` is provided, `placement_group_bundles` must also be provided.",
                    );
                }
                if !PG_STRATEGIES.contains(&strategy.as_str()) {
                    self.push(
                        p("placement_group_strategy"),
                        format!(
                            "Invalid placement group strategy {strategy}. Supported strategies are: {}.",
                            PG_STRATEGIES.join(", ")
                        ),
                    );
                }
            }
        }
        if let Some(selectors) = &d.placement_group_bundle_label_selector {
            let sp = p("placement_group_bundle_label_selector");
            match &d.placement_group_bundles {
                None => self.push(
                    &sp,
                    "If `placement_group_bundle_label_selector` is provided, `placement_group_bundles` must also be \
                     provided.",
                ),
                Some(bundles) if selectors.len() != 1 && selectors.len() != bundles.len() => self.push(
                    &sp,
                    format!(
                        "Invalid bundle label selector: {} selector(s) for {} bundle(s). The length of \
                         `bundle_label_selector` should equal the length of `bundles` (Serve also accepts a single \
                         selector, applied to every bundle).",
                        selectors.len(),
                        bundles.len()
                    ),
                ),
                Some(_) => {}
            }
            for (i, sel) in selectors.iter().enumerate() {
                self.labels(&format!("{sp}[{i}]"), sel);
            }
        }
        if let Some(n) = d.max_replicas_per_node {
            let mp = p("max_replicas_per_node");
            if gang.is_some() {
                self.push(
                    mp,
                    "Setting max_replicas_per_node is not allowed when gang_scheduling_config is provided. Please \
                     set max_replicas_per_node to None (leave the field out).",
                );
            } else {
                if !(1..=MAX_REPLICAS_PER_NODE).contains(&n) {
                    self.push(
                        &mp,
                        format!(
                            "Invalid max_replicas_per_node {n}. Valid values are None or an integer in the range of \
                             [1, {MAX_REPLICAS_PER_NODE}]."
                        ),
                    );
                }
                if d.placement_group_bundles.is_some() {
                    self.push(
                        mp,
                        "Setting max_replicas_per_node is not allowed when placement_group_bundles is provided.",
                    );
                }
            }
        }
        if let Some(g) = gang {
            self.gang(d, g, dp);
        }
        if let Some(n) = d.max_constructor_retry_count
            && n < 1
        {
            self.push(
                p("max_constructor_retry_count"),
                format!("Input should be greater than 0 (found {n}; Ray's default is 20)"),
            );
        }
        self.positive_opt(&p("health_check_period_s"), d.health_check_period_s);
        self.positive_opt(&p("health_check_timeout_s"), d.health_check_timeout_s);
        self.non_negative_opt(&p("graceful_shutdown_timeout_s"), d.graceful_shutdown_timeout_s);
        self.non_negative_opt(&p("graceful_shutdown_wait_loop_s"), d.graceful_shutdown_wait_loop_s);
        self.rollout_options(dp, d.rolling_update_percentage, d.max_surge_percent);
        if let Some(v) = &d.version
            && v.is_empty()
        {
            self.push(p("version"), "a version must not be empty (leave it out for the default, \"v1\")");
        }
    }

    /// `rolling_update_percentage` (`gt=0.0, le=1.0`) and `max_surge_percent` (`ge=0, le=100`), as Ray's
    /// `DeploymentConfig` declares them.
    fn rollout_options(&mut self, dp: &str, pct: Option<f64>, surge: Option<i64>) {
        if let Some(x) = pct {
            let path = format!("{dp}.rolling_update_percentage");
            if self.positive(&path, x) && x > 1.0 {
                self.push(
                    path,
                    format!("Input should be less than or equal to 1 (found {}; Ray's default is 0.2)", num(x)),
                );
            }
        }
        if let Some(n) = surge
            && !(0..=100).contains(&n)
        {
            let path = format!("{dp}.max_surge_percent");
            let bound = if n < 0 { "greater than or equal to 0" } else { "less than or equal to 100" };
            self.push(path, format!("Input should be {bound} (found {n}; Ray's default is 0)"));
        }
    }

    fn gang(&mut self, d: &DeploymentSpec, g: &GangSchedulingConfig, dp: &str) {
        let gp = format!("{dp}.gang_scheduling_config");
        if g.gang_size < 1 {
            self.push(
                format!("{gp}.gang_size"),
                format!("Input should be greater than or equal to 1 (found {})", g.gang_size),
            );
        } else if g.gang_size > MAX_REPLICAS_PER_DEPLOYMENT {
            self.push(
                format!("{gp}.gang_size"),
                format!(
                    "a gang of {} is more than Gangplank models: at most {MAX_REPLICAS_PER_DEPLOYMENT} replicas per \
                     deployment",
                    g.gang_size
                ),
            );
        } else if let Some(n) = d.fixed_replicas().filter(|&n| n >= 0 && !d.autoscaling())
            && n % g.gang_size != 0
        {
            // Ray's `DeploymentConfig` skips this check under autoscaling (errata §1).
            self.push(format!("{dp}.num_replicas"), not_a_multiple(n, g.gang_size));
        }
        let s = g.gang_placement_strategy.as_str();
        if !GANG_STRATEGIES.contains(&s) {
            let hint = if s.starts_with("STRICT_") {
                format!(
                    ". {s} is not a gang strategy in Ray 2.60; it remains valid as placement_group_strategy for \
                     deployments without gang_scheduling_config"
                )
            } else if GANG_STRATEGIES.contains(&s.to_ascii_uppercase().as_str()) {
                format!(" (did you mean '{}'? the values are upper-case)", s.to_ascii_uppercase())
            } else {
                String::new()
            };
            self.push(
                format!("{gp}.gang_placement_strategy"),
                format!("Input should be 'PACK' or 'SPREAD' (found '{s}'){hint}"),
            );
        }
        match g.runtime_failure_policy.as_str() {
            "RESTART_GANG" => {}
            "RESTART_REPLICA" => self.push(
                format!("{gp}.runtime_failure_policy"),
                "RESTART_REPLICA policy is not yet implemented (Ray 2.60 refuses it when the config is built); use \
                 RESTART_GANG",
            ),
            other => self.push(
                format!("{gp}.runtime_failure_policy"),
                format!(
                    "Input should be 'RESTART_GANG' or 'RESTART_REPLICA' (found '{other}'); only RESTART_GANG is \
                     implemented in Ray 2.60"
                ),
            ),
        }
    }

    fn actor_options(&mut self, o: &RayActorOptions, path: &str) {
        for (name, value) in [("num_cpus", o.num_cpus), ("num_gpus", o.num_gpus), ("memory", o.memory)] {
            let Some(x) = value else { continue };
            let p = format!("{path}.{name}");
            if !x.is_finite() || x < 0.0 {
                self.push(
                    p,
                    format!("The keyword '{name}' only accepts None, 0 or a positive number (found {})", num(x)),
                );
            } else {
                self.amount(&p, to_units(x));
            }
        }
        let rp = format!("{path}.resources");
        for name in o.resources.0.keys() {
            let p = key_path(&rp, name);
            match name.as_str() {
                "CPU" | "GPU" => self.push(
                    p,
                    "Use the 'num_cpus' and 'num_gpus' keyword instead of 'CPU' and 'GPU' in 'resources' keyword",
                ),
                "memory" | "object_store_memory" => self.push(
                    p,
                    "The resources dictionary must not contain the key 'memory' or 'object_store_memory' (use \
                     ray_actor_options.memory)",
                ),
                "bundle" => self.push(p, "The resource should not include `bundle` which is reserved for Ray."),
                _ => {}
            }
        }
        self.resources(&rp, &o.resources);
    }

    fn bundles(&mut self, d: &DeploymentSpec, bundles: &[Resources], bp: &str) {
        if bundles.is_empty() {
            self.push(
                bp,
                "Bundles must be a non-empty list of resource dictionaries. For example: `[{\"CPU\": 1.0}, {\"GPU\": \
                 1.0}]`. Got empty list instead.",
            );
            return;
        }
        if bundles.len() > MAX_BUNDLES_PER_REPLICA {
            self.push(
                bp,
                format!(
                    "{} bundles per replica is more than Gangplank models: at most {MAX_BUNDLES_PER_REPLICA}",
                    bundles.len()
                ),
            );
        }
        for (i, b) in bundles.iter().enumerate() {
            let p = format!("{bp}[{i}]");
            if b.0.values().all(|v| *v == 0) {
                self.push(
                    &p,
                    format!(
                        "Bundles cannot be an empty dictionary or resources with only 0 values (found {}).",
                        b.describe()
                    ),
                );
            }
            self.resources(&p, b);
        }
        // Serve places the replica actor in the first bundle, so its resources must fit there (checked only when
        // the bundle itself is sound).
        let first = &bundles[0];
        if first.any_negative() {
            return;
        }
        let prefix = "When using `placement_group_bundles`, the replica actor will be placed in the first bundle, so \
                      the resource requirements for the actor must be a subset of the first bundle.";
        let o = &d.ray_actor_options;
        let mut needs: Vec<(String, String, i64)> = vec![
            ("`num_cpus`".into(), "CPU".into(), to_units(o.num_cpus.unwrap_or(1.0))),
            ("`num_gpus`".into(), "GPU".into(), to_units(o.num_gpus.unwrap_or(0.0))),
        ];
        for (name, units) in &o.resources.0 {
            if name != "CPU" && name != "GPU" {
                needs.push((format!("`{name}` requirement"), name.clone(), *units));
            }
        }
        for (what, resource, need) in needs {
            let have = first.get(&resource);
            if need > have {
                self.push(
                    format!("{bp}[0]"),
                    format!(
                        "{prefix} {what} for the actor is {}, but the bundle only has {} `{resource}` specified.",
                        fmt_units(need),
                        fmt_units(have)
                    ),
                );
            }
        }
    }

    // -----------------------------------------------------------------------------------------------------------
    // Actions

    fn actions(&mut self, s: &Scenario, nodes: &NodeIds, apps: &Apps<'_>) {
        for (i, a) in s.actions.iter().enumerate() {
            let ap = format!("actions[{i}]");
            let at = format!("{ap}.at_s");
            if self.non_negative(&at, a.at_s) && s.until_s.is_finite() && s.until_s > 0.0 && a.at_s > s.until_s {
                self.push(
                    at,
                    format!(
                        "the action is at {} s, after the run ends (until_s = {} s), so it would never happen",
                        num(a.at_s),
                        num(s.until_s)
                    ),
                );
            }
            match &a.kind {
                ActionKind::KillReplica { replica } | ActionKind::HealHealthCheck { replica } => {
                    self.replica_ref(replica, &format!("{ap}.replica"), apps);
                }
                ActionKind::FailHealthCheck { replica, times } => {
                    self.replica_ref(replica, &format!("{ap}.replica"), apps);
                    self.times(*times, &format!("{ap}.times"));
                }
                ActionKind::FailConstructor { deployment, rank, times } => {
                    let dp = format!("{ap}.deployment");
                    if let (Some(d), Some(r)) = (self.deployment_ref(deployment, &dp, apps), rank) {
                        let rp = format!("{ap}.rank");
                        match &d.gang_scheduling_config {
                            None => self.push(
                                rp,
                                format!(
                                    "deployment \"{}\" has no gang_scheduling_config, so its replicas have no gang \
                                     rank; leave `rank` out",
                                    deployment.deployment
                                ),
                            ),
                            Some(g) if g.gang_size >= 1 && i64::from(*r) >= g.gang_size => {
                                self.push(rp, rank_out_of_range(*r, g.gang_size));
                            }
                            Some(_) => {}
                        }
                    }
                    self.times(*times, &format!("{ap}.times"));
                }
                ActionKind::KillNode { node } => self.worker_node_ref(
                    node,
                    &format!("{ap}.node"),
                    nodes,
                    "killing it would end the whole cluster, which Gangplank does not model (use kill_controller to \
                     restart the controller)",
                ),
                ActionKind::AddNode { .. } | ActionKind::KillController {} => {}
                ActionKind::FailGcsQueries { for_s } => {
                    self.positive(&format!("{ap}.for_s"), *for_s);
                }
                ActionKind::SetNumReplicas { deployment, num_replicas } => {
                    let d = self.deployment_ref(deployment, &format!("{ap}.deployment"), apps);
                    self.target_count(&format!("{ap}.num_replicas"), *num_replicas, d);
                }
                ActionKind::DeleteApp { app } => {
                    self.app_ref(app, &format!("{ap}.app"), apps);
                }
                ActionKind::SetTraffic { deployment, load, service_time_s } => {
                    self.deployment_ref(deployment, &format!("{ap}.deployment"), apps);
                    self.load(load, &format!("{ap}.load"));
                    if let Some(st) = service_time_s {
                        self.service_time(st, &format!("{ap}.service_time_s"));
                    }
                }
                ActionKind::DeployVersion {
                    deployment,
                    graceful_shutdown_timeout_s,
                    health_check_period_s,
                    max_surge_percent,
                    num_replicas,
                    ray_actor_options,
                    rolling_update_percentage,
                    user_config,
                    version,
                } => {
                    let d = self.deployment_ref(deployment, &format!("{ap}.deployment"), apps);
                    if let Some(n) = num_replicas {
                        self.target_count(&format!("{ap}.num_replicas"), *n, d);
                    }
                    if let Some(o) = ray_actor_options {
                        self.actor_options(o, &format!("{ap}.ray_actor_options"));
                    }
                    self.positive_opt(&format!("{ap}.health_check_period_s"), *health_check_period_s);
                    self.non_negative_opt(&format!("{ap}.graceful_shutdown_timeout_s"), *graceful_shutdown_timeout_s);
                    self.rollout_options(&ap, *rolling_update_percentage, *max_surge_percent);
                    if version.as_deref() == Some("") {
                        self.push(format!("{ap}.version"), "a version must not be empty");
                    }
                    let nothing = graceful_shutdown_timeout_s.is_none()
                        && health_check_period_s.is_none()
                        && max_surge_percent.is_none()
                        && num_replicas.is_none()
                        && ray_actor_options.is_none()
                        && rolling_update_percentage.is_none()
                        && user_config.is_none()
                        && version.is_none();
                    if nothing {
                        self.push(
                            ap.clone(),
                            "deploy_version changes nothing: give at least one of version, user_config, num_replicas, \
                             ray_actor_options, rolling_update_percentage, max_surge_percent, health_check_period_s, \
                             graceful_shutdown_timeout_s",
                        );
                    }
                }
                ActionKind::DrainNode { deadline_s, node, reason, reason_message: _ } => {
                    self.worker_node_ref(node, &format!("{ap}.node"), nodes, "Gangplank drains worker nodes only");
                    if let Some(r) = reason
                        && DrainReason::parse(r).is_none()
                    {
                        let all: Vec<&str> = DrainReason::ALL.iter().map(|r| r.as_str()).collect();
                        self.push(
                            format!("{ap}.reason"),
                            format!(
                                "invalid choice: '{r}' (choose from {})",
                                all.iter().map(|a| format!("'{a}'")).collect::<Vec<_>>().join(", ")
                            ),
                        );
                    }
                    self.non_negative_opt(&format!("{ap}.deadline_s"), *deadline_s);
                }
            }
        }
    }

    /// A new replica count for deployment `d` (if it exists): a valid count, and whole gangs.
    fn target_count(&mut self, path: &str, n: i64, d: Option<&DeploymentSpec>) {
        if d.is_some_and(DeploymentSpec::autoscaling) {
            self.push(path, super::messages::MANUAL_NUM_REPLICAS);
            return;
        }
        if self.replica_count(path, n)
            && let Some(g) = d.and_then(|d| d.gang_scheduling_config.as_ref())
            && g.gang_size >= 1
            && n % g.gang_size != 0
        {
            self.push(path, not_a_multiple(n, g.gang_size));
        }
    }

    /// A node an action acts on: declared in the scenario (add_node actions count), and not the head node, which
    /// hosts the Serve controller (`why_not_head` says what acting on it would mean).
    fn worker_node_ref(&mut self, node: &str, path: &str, nodes: &NodeIds, why_not_head: &str) {
        if node == nodes.head {
            self.push(path, format!("\"{node}\" is the head node, which hosts the Serve controller; {why_not_head}"));
        } else if !nodes.declared.contains_key(node) {
            let known: Vec<&str> = nodes.declared.keys().map(String::as_str).collect();
            self.push(
                path,
                format!("no node \"{node}\" in this scenario (nodes: {}; add_node actions count)", quoted_list(&known)),
            );
        }
    }

    fn times(&mut self, times: Times, path: &str) {
        if times == Times::Count(0) {
            self.push(path, "expected a whole number of times (at least 1) or \"forever\", found 0");
        }
    }

    fn app_ref<'a, 'b>(
        &mut self,
        app: &str,
        path: &str,
        apps: &'b Apps<'a>,
    ) -> Option<&'b BTreeMap<&'a str, &'a DeploymentSpec>> {
        let found = apps.get(app);
        if found.is_none() {
            let known: Vec<&str> = apps.keys().copied().collect();
            self.push(
                path,
                format!("no application named \"{app}\" in this scenario (applications: {})", quoted_list(&known)),
            );
        }
        found
    }

    pub(super) fn deployment_ref<'a>(
        &mut self,
        r: &DeploymentRef,
        path: &str,
        apps: &Apps<'a>,
    ) -> Option<&'a DeploymentSpec> {
        self.named_deployment(&r.app, &r.deployment, path, apps)
    }

    pub(super) fn named_deployment<'a>(
        &mut self,
        app: &str,
        deployment: &str,
        path: &str,
        apps: &Apps<'a>,
    ) -> Option<&'a DeploymentSpec> {
        let deployments = self.app_ref(app, &format!("{path}.app"), apps)?;
        let found = deployments.get(deployment).copied();
        if found.is_none() {
            let known: Vec<&str> = deployments.keys().copied().collect();
            self.push(
                format!("{path}.deployment"),
                format!(
                    "application \"{app}\" has no deployment named \"{deployment}\" (deployments: {})",
                    quoted_list(&known)
                ),
            );
        }
        found
    }

    /// A replica is addressed by `gang` + `rank` (gang deployments), `index` (others), or `id`.
    fn replica_ref(&mut self, r: &ReplicaRef, path: &str, apps: &Apps<'_>) {
        let Some(d) = self.named_deployment(&r.app, &r.deployment, path, apps) else { return };
        if let Some(id) = &r.id {
            if r.gang.is_some() || r.rank.is_some() || r.index.is_some() {
                self.push(path, "give either `id` or the replica's position (`gang` and `rank`, or `index`), not both");
            }
            if id.len() != 8 || !id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()) {
                self.push(
                    format!("{path}.id"),
                    format!("a replica id is 8 lower-case letters and digits, as Ray makes them (found \"{id}\")"),
                );
            }
            return;
        }
        match &d.gang_scheduling_config {
            Some(g) => {
                if r.index.is_some() {
                    self.push(
                        format!("{path}.index"),
                        format!(
                            "deployment \"{}\" is gang-scheduled: address its replicas with `gang` and `rank`, not \
                             `index`",
                            r.deployment
                        ),
                    );
                    return;
                }
                if r.gang.is_none() {
                    self.push(
                        format!("{path}.gang"),
                        "missing: a replica of a gang-scheduled deployment is addressed by `gang` (its gang's position, \
                         oldest first, from 0) and `rank`",
                    );
                }
                match r.rank {
                    None => self.push(
                        format!("{path}.rank"),
                        "missing: a replica of a gang-scheduled deployment is addressed by `gang` and `rank` (its \
                         rank within the gang, from 0)",
                    ),
                    Some(rank) if g.gang_size >= 1 && i64::from(rank) >= g.gang_size => {
                        self.push(format!("{path}.rank"), rank_out_of_range(rank, g.gang_size));
                    }
                    Some(_) => {}
                }
            }
            None => {
                for (field, value) in [("gang", r.gang), ("rank", r.rank)] {
                    if value.is_some() {
                        self.push(
                            format!("{path}.{field}"),
                            format!(
                                "deployment \"{}\" has no gang_scheduling_config: address its replicas with `index`, \
                                 not `gang`/`rank`",
                                r.deployment
                            ),
                        );
                    }
                }
                if r.index.is_none() {
                    self.push(
                        format!("{path}.index"),
                        "missing: a replica of a deployment without gangs is addressed by `index` (from 0)",
                    );
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Message helpers

/// Ray's wording (DeploymentConfig validator).
pub(super) fn not_a_multiple(num_replicas: i64, gang_size: i64) -> String {
    format!("num_replicas ({num_replicas}) must be a multiple of gang_size ({gang_size}).")
}

fn rank_out_of_range(rank: u32, gang_size: i64) -> String {
    format!("rank {rank} is out of range: gang_size is {gang_size}, so ranks go from 0 to {}", gang_size - 1)
}

/// A number as a person writes it: `0.1`, `20`, `1e300` (never 300 digits).
pub(super) fn num(x: f64) -> String {
    if x.is_nan() {
        "NaN".to_string()
    } else if x.is_infinite() {
        if x > 0.0 { "infinity".to_string() } else { "-infinity".to_string() }
    } else if x != 0.0 && (x.abs() >= 1e12 || x.abs() < 1e-6) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

fn fmt_units(units: i64) -> String {
    if units.unsigned_abs() >= 1_000_000_000_000_000 { num(units as f64 / UNITS as f64) } else { fmt_amount(units) }
}

/// `base.key`, or `base["key"]` when the key is not a plain identifier (e.g. `accelerator_type:A10G`).
fn key_path(base: &str, key: &str) -> String {
    let plain = !key.is_empty()
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !key.starts_with(|c: char| c.is_ascii_digit());
    if plain { format!("{base}.{key}") } else { format!("{base}[{}]", serde_json::Value::from(key)) }
}

/// `'a' or 'b'`, `'a', 'b' or 'c'`: pydantic's way of listing allowed values.
pub(super) fn quoted_or(values: &[&str]) -> String {
    let quoted: Vec<String> = values.iter().map(|v| format!("'{v}'")).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

fn quoted_list(names: &[&str]) -> String {
    if names.is_empty() {
        return "none".to_string();
    }
    const SHOWN: usize = 10;
    let mut parts: Vec<String> = names.iter().take(SHOWN).map(|n| format!("\"{n}\"")).collect();
    if names.len() > SHOWN {
        parts.push(format!("and {} more", names.len() - SHOWN));
    }
    parts.join(", ")
}
