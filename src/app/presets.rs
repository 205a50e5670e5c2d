//! The bundled scenarios, in one list so that tests (and the picker) can iterate over all of them.
//!
//! Each preset is a scenario file in the public format (`scenarios/presets/*.json`) with a `what_to_watch` text.
use crate::model::scenario::{Scenario, ScenarioError, parse_scenario};

/// A bundled scenario file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Preset {
    /// Stable identifier (the file name without `.json`); share links refer to presets by it.
    pub id: &'static str,
    /// The scenario file's text.
    pub json: &'static str,
}

impl Preset {
    /// Parse and validate the file. Every preset parses (a test checks it), but callers still get a `Result`.
    pub fn scenario(&self) -> Result<Scenario, Vec<ScenarioError>> {
        parse_scenario(self.json)
    }

    /// The scenario's `name`, read without parsing and validating the whole file: the picker lists every preset's
    /// name at start-up, and parsing all of them (the big cluster's hundred nodes among them) was part of the first
    /// load's critical path. `None` if the file has no string `name` (it would not load either).
    pub fn name(&self) -> Option<String> {
        #[derive(serde::Deserialize)]
        struct NameOnly {
            name: String,
        }
        serde_json::from_str::<NameOnly>(self.json).ok().map(|n| n.name)
    }
}

macro_rules! preset {
    ($id:literal) => {
        Preset { id: $id, json: include_str!(concat!("../../scenarios/presets/", $id, ".json")) }
    };
}

/// Every preset, in the order the picker shows them (simple first).
pub const PRESETS: &[Preset] = &[
    preset!("steady-pack"),
    preset!("steady-spread"),
    preset!("replica-crash"),
    preset!("health-check-failure"),
    preset!("startup-failure"),
    preset!("constructor-always-fails"),
    preset!("controller-restart"),
    preset!("controller-restart-leaked-pg"),
    preset!("node-failure"),
    preset!("not-enough-resources"),
    preset!("scale-up-down"),
    preset!("delete-app"),
    preset!("rolling-upgrade"),
    preset!("rolling-upgrade-surge"),
    preset!("spot-drain"),
    preset!("drain-during-upgrade"),
    preset!("teardown-under-load"),
    preset!("autoscale-ramp"),
    preset!("scale-to-zero"),
    preset!("gang-and-non-gang"),
    preset!("big-cluster"),
];

/// The preset the app opens with.
pub const DEFAULT_PRESET_ID: &str = "replica-crash";

/// The preset with this id.
pub fn preset_by_id(id: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn every_preset_parses_and_says_what_to_watch() {
        for p in PRESETS {
            let s = p.scenario().unwrap_or_else(|e| panic!("preset {} does not parse: {e:?}", p.id));
            assert!(!s.name.is_empty(), "preset {} has no name", p.id);
            assert_eq!(
                p.name().as_deref(),
                Some(s.name.as_str()),
                "preset {}: the picker's quick name read differs",
                p.id
            );
            assert!(s.what_to_watch.len() > 40, "preset {} needs a what_to_watch text", p.id);
            assert!(s.until_s > 0.0, "preset {} needs until_s", p.id);
        }
    }

    #[test]
    fn the_quick_name_read_needs_a_string_name() {
        let p = |json| Preset { id: "x", json };
        assert_eq!(p(r#"{"name": "A", "nodes": [1, {"name": 2}]}"#).name().as_deref(), Some("A"));
        assert_eq!(p(r#"{"nodes": []}"#).name(), None);
        assert_eq!(p(r#"{"name": 3}"#).name(), None);
        assert_eq!(p("not json").name(), None);
    }

    #[test]
    fn preset_ids_and_names_are_unique_and_the_default_exists() {
        let ids: BTreeSet<_> = PRESETS.iter().map(|p| p.id).collect();
        assert_eq!(ids.len(), PRESETS.len());
        let names: BTreeSet<_> = PRESETS.iter().map(|p| p.scenario().unwrap().name).collect();
        assert_eq!(names.len(), PRESETS.len());
        assert!(preset_by_id(DEFAULT_PRESET_ID).is_some());
    }

    #[test]
    fn the_issue_list_of_presets_is_covered() {
        for id in [
            "steady-pack",
            "steady-spread",
            "replica-crash",
            "health-check-failure",
            "startup-failure",
            "constructor-always-fails",
            "controller-restart",
            "controller-restart-leaked-pg",
            "node-failure",
            "not-enough-resources",
            "scale-up-down",
            "delete-app",
            "gang-and-non-gang",
        ] {
            assert!(preset_by_id(id).is_some(), "missing preset {id}");
        }
    }

    /// Each preset, played by the model, shows what its `what_to_watch` promises.
    mod behaviour {
        use crate::app::presets::preset_by_id;
        use crate::app::session::Session;
        use crate::model::events::{EventKind, TeardownCause};
        use crate::model::placement::PlacementGroupState;
        use crate::model::serve::replica::ReplicaState;
        use crate::model::serve::status::DeploymentStatus;
        use crate::model::snapshot::Snapshot;
        use crate::model::time::SimTime;
        use std::collections::{BTreeMap, BTreeSet};

        fn session(id: &str) -> Session {
            Session::new(preset_by_id(id).unwrap().scenario().unwrap())
        }

        fn at(s: &mut Session, secs: f64) -> Snapshot {
            s.advance_to(SimTime::from_secs_f64(secs));
            s.snapshot()
        }

        fn end(s: &mut Session) -> Snapshot {
            let until = s.scenario().until_s;
            let snap = at(s, until);
            let bugs: Vec<_> = s.violations().iter().filter(|v| v.is_model_bug()).collect();
            assert!(bugs.is_empty(), "{} violated: {bugs:?}", s.scenario().name);
            snap
        }

        /// Gang id → the nodes of its members.
        fn gangs(snap: &Snapshot) -> BTreeMap<String, Vec<String>> {
            let mut m: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for r in &snap.replicas {
                if let Some(g) = &r.gang_context {
                    m.entry(g.gang_id.clone()).or_default().push(r.node.clone().unwrap_or_default());
                }
            }
            m
        }

        fn all_running(snap: &Snapshot, n: usize) -> bool {
            snap.replicas.len() == n && snap.replicas.iter().all(|r| r.state == ReplicaState::Running)
        }

        fn teardowns(s: &Session) -> Vec<TeardownCause> {
            s.events()
                .iter()
                .filter_map(|e| match &e.kind {
                    EventKind::GangTeardown { cause, .. } => Some(*cause),
                    _ => None,
                })
                .collect()
        }

        #[test]
        fn steady_pack_puts_each_gang_on_one_node() {
            let mut s = session("steady-pack");
            let snap = end(&mut s);
            assert!(all_running(&snap, 4));
            let g = gangs(&snap);
            assert_eq!(g.len(), 2);
            assert!(g.values().all(|nodes| nodes[0] == nodes[1]), "{g:?}");
            assert!(teardowns(&s).is_empty());
        }

        #[test]
        fn steady_spread_puts_each_gang_on_two_nodes() {
            let mut s = session("steady-spread");
            let snap = end(&mut s);
            assert!(all_running(&snap, 4));
            assert!(gangs(&snap).values().all(|nodes| nodes[0] != nodes[1]));
        }

        #[test]
        fn replica_crash_replaces_one_gang_and_keeps_the_other() {
            let mut s = session("replica-crash");
            let before = gangs(&at(&mut s, 9.0));
            let snap = end(&mut s);
            assert!(all_running(&snap, 4));
            assert_eq!(teardowns(&s), vec![TeardownCause::ActorCrashed]);
            let after = gangs(&snap);
            assert_eq!(before.keys().filter(|g| after.contains_key(*g)).count(), 1, "one old gang survives");
        }

        #[test]
        fn health_check_failure_tears_the_gang_down_after_three_checks() {
            let mut s = session("health-check-failure");
            let snap = end(&mut s);
            assert!(all_running(&snap, 4));
            assert_eq!(teardowns(&s), vec![TeardownCause::HealthCheckFailed]);
            let failed_checks = s.events().iter().filter(|e| matches!(e.kind, EventKind::HealthCheck { .. })).count();
            assert!(failed_checks >= 3);
        }

        #[test]
        fn startup_failure_counts_once_and_recovers() {
            let mut s = session("startup-failure");
            let snap = end(&mut s);
            assert!(all_running(&snap, 4));
            let failures = s.events().iter().filter(|e| matches!(e.kind, EventKind::StartupFailure { .. })).count();
            assert_eq!(failures, 1);
            assert_eq!(teardowns(&s), vec![TeardownCause::StartupFailed]);
        }

        #[test]
        fn constructor_always_failing_ends_deploy_failed_with_nothing_left() {
            let mut s = session("constructor-always-fails");
            let snap = end(&mut s);
            assert_eq!(snap.deployments[0].status, DeploymentStatus::DeployFailed);
            assert!(snap.replicas.is_empty(), "{:?}", snap.replicas);
            assert!(snap.placement_groups.iter().all(|p| p.state == PlacementGroupState::Removed));
        }

        #[test]
        fn controller_restart_keeps_every_gang() {
            let mut s = session("controller-restart");
            let before = gangs(&at(&mut s, 9.0));
            let down = at(&mut s, 10.2);
            assert!(!down.controller.alive);
            let snap = end(&mut s);
            assert_eq!(snap.controller.incarnation, 2);
            assert!(all_running(&snap, 4));
            assert_eq!(gangs(&snap), before);
            let recovered = s
                .events()
                .iter()
                .any(|e| matches!(&e.kind, EventKind::ReplicaState { to, .. } if *to == ReplicaState::Recovering));
            assert!(recovered);
        }

        #[test]
        fn leaked_gang_pg_is_found_and_the_survivor_kept() {
            let mut s = session("controller-restart-leaked-pg");
            let before = at(&mut s, 9.0);
            let survivor: BTreeSet<String> =
                before.replicas.iter().filter(|r| r.app == "survivor").map(|r| r.id.clone()).collect();
            let snap = end(&mut s);
            assert!(s.events().iter().any(|e| matches!(e.kind, EventKind::LeakDetected { gang: true, .. })));
            let now: BTreeSet<String> =
                snap.replicas.iter().filter(|r| r.app == "survivor").map(|r| r.id.clone()).collect();
            assert_eq!(now, survivor);
            assert!(all_running(&snap, 4));
        }

        #[test]
        fn node_failure_moves_the_gang_to_the_spare_node() {
            let mut s = session("node-failure");
            let before = at(&mut s, 9.0);
            assert!(before.replicas.iter().any(|r| r.node.as_deref() == Some("w1")), "w1 holds a gang");
            let snap = end(&mut s);
            assert!(!snap.nodes.iter().find(|n| n.id == "w1").unwrap().alive);
            assert!(all_running(&snap, 4));
            assert!(snap.replicas.iter().all(|r| r.node.as_deref() != Some("w1")));
            assert_eq!(snap.replicas.iter().filter(|r| r.node.as_deref() == Some("w3")).count(), 2);
        }

        #[test]
        fn not_enough_resources_waits_then_the_added_node_unblocks_the_same_pg() {
            let mut s = session("not-enough-resources");
            let waiting = at(&mut s, 14.0);
            let pending: Vec<_> =
                waiting.placement_groups.iter().filter(|p| p.state == PlacementGroupState::Pending).collect();
            assert_eq!(pending.len(), 1);
            assert!(pending[0].pending_reason.as_deref().unwrap_or("").contains("needs 2 × {CPU: 1}"));
            assert!(
                waiting.deployments[0].message.contains("Resources required"),
                "{}",
                waiting.deployments[0].message
            );
            let name = pending[0].name.clone();
            let snap = end(&mut s);
            assert!(all_running(&snap, 4));
            let pg = snap.placement_groups.iter().find(|p| p.name == name).expect("the same PG");
            assert_eq!(pg.state, PlacementGroupState::Created);
            assert!(teardowns(&s).is_empty(), "nothing is killed or retried");
        }

        #[test]
        fn scale_up_then_down_in_whole_gangs() {
            let mut s = session("scale-up-down");
            let up = at(&mut s, 15.0);
            assert!(all_running(&up, 6));
            let snap = end(&mut s);
            assert!(all_running(&snap, 2));
            let survivors: BTreeSet<_> = gangs(&snap).into_keys().collect();
            let earlier: BTreeSet<_> = gangs(&up).into_keys().collect();
            assert!(survivors.is_subset(&earlier));
        }

        #[test]
        fn delete_leaves_nothing_behind() {
            let mut s = session("delete-app");
            let snap = end(&mut s);
            assert!(snap.replicas.is_empty());
            assert!(snap.placement_groups.iter().all(|p| p.state == PlacementGroupState::Removed));
            assert!(snap.applications.is_empty(), "{:?}", snap.applications);
        }

        #[test]
        fn gang_and_non_gang_fail_independently() {
            let mut s = session("gang-and-non-gang");
            let snap = end(&mut s);
            assert!(all_running(&snap, 6));
            assert_eq!(teardowns(&s).len(), 1, "only the gang member's death tears a gang down");
            assert_eq!(snap.replicas.iter().filter(|r| r.deployment == "N" && r.gang_context.is_none()).count(), 2);
        }

        #[test]
        fn big_cluster_runs_a_thousand_replicas_and_survives_a_node_death() {
            let mut s = session("big-cluster");
            let snap = end(&mut s);
            assert_eq!(snap.nodes.len(), 101);
            assert!(!snap.nodes.iter().find(|n| n.id == "w007").unwrap().alive);
            assert!(all_running(&snap, 1000));
        }
    }
}
