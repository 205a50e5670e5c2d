//! The GCS's cache of dead nodes. Ray keeps a bounded number of them (`GcsNodeManager::AddDeadNodeToCache`): when a
//! node dies while the cache holds `maximum_gcs_dead_node_cached_count` (RayConfig, default 1,000), the node that
//! died first is deleted from the node table and no longer listed. Without the bound a long session with node
//! kills would keep every node that ever died, in every checkpoint (issue 16).
use super::Gcs;
use crate::model::events::{EventKind, NodeChange};
use crate::model::log::EventLog;

/// RayConfig `maximum_gcs_dead_node_cached_count` (`ray_config_def.h`).
pub const MAXIMUM_GCS_DEAD_NODE_CACHED_COUNT: usize = 1000;

impl Gcs {
    /// Enter a node the GCS just declared dead, first evicting the earliest death if the cache is full (Ray checks
    /// the size before it inserts).
    pub(super) fn cache_dead_node(&mut self, id: &str, log: &mut EventLog) {
        if self.dead_nodes.len() >= self.dead_node_cache_size
            && let Some(oldest) = self.dead_nodes.pop_front()
        {
            self.evict_dead_node(&oldest, log);
        }
        self.dead_nodes.push_back(id.to_string());
    }

    /// Forget a dead node. Node indexes after it shift down by one: the per-node indexes lose its entry, actors
    /// placed after it follow, and the invariant checker looks at everything once (its marks are by index).
    fn evict_dead_node(&mut self, id: &str, log: &mut EventLog) {
        let Some(idx) = self.cluster.index_of(id) else { return };
        self.cluster.remove(idx);
        self.node_bundles.remove(idx);
        self.node_actors.remove(idx);
        for a in self.actors.values_mut() {
            a.node = match a.node {
                // Only an actor dead with it and not reaped in the thousand node deaths since (none is expected).
                Some(n) if n == idx => None,
                Some(n) if n > idx => Some(n - 1),
                other => other,
            };
        }
        self.check_dirty.nodes.clear();
        self.check_dirty.all = true;
        // The round orders live nodes by their own key, not by index: rebuilt, it is the same order.
        self.spread_round = None;
        self.mutations += 1;
        log.push(
            EventKind::Node { node: id.to_string(), change: NodeChange::Evicted, resources: None },
            format!(
                "the GCS dropped dead node {id} from its cache: it keeps the last {} dead nodes \
                 (maximum_gcs_dead_node_cached_count), and {id} died first",
                self.dead_node_cache_size
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::model::Simulation;
    use crate::model::events::{EventKind, NodeChange};
    use crate::model::scenario::parse_scenario;
    use crate::model::serve::replica::ReplicaState;
    use crate::model::time::SimTime;

    /// Six workers, a gang deployment of 2 × 2; five nodes die one after another (a node added after each), with a
    /// cache of 3 dead nodes.
    fn run(cache: usize, until_s: f64) -> Simulation {
        let mut actions = Vec::new();
        for (i, at) in [6.0, 12.0, 18.0, 24.0, 30.0].iter().enumerate() {
            actions.push(format!(r#"{{"at_s":{at},"do":"kill_node","node":"w{}"}}"#, i + 1));
            actions.push(format!(
                r#"{{"at_s":{},"do":"add_node","node":{{"id":"n{i}","resources":{{"CPU":2}}}}}}"#,
                at + 1.0
            ));
        }
        let text = format!(
            r#"{{"format":"gangplank.scenario/v1","seed":5,"until_s":{until_s},
              "cluster":{{"nodes":[{}]}},
              "timing":{{"node_death_detection_s":2}},
              "applications":[{{"name":"app","deployments":[{{"name":"G","num_replicas":4,
                 "gang_scheduling_config":{{"gang_size":2,"gang_placement_strategy":"SPREAD"}}}}]}}],
              "actions":[{}]}}"#,
            (1..=6).map(|i| format!(r#"{{"id":"w{i}","resources":{{"CPU":2}}}}"#)).collect::<Vec<_>>().join(","),
            actions.join(",")
        );
        let mut sim = Simulation::new(&parse_scenario(&text).unwrap());
        sim.audit_checker = true;
        sim.gcs.dead_node_cache_size = cache;
        sim.run_until(SimTime::from_secs_f64(until_s));
        sim
    }

    #[test]
    fn the_gcs_keeps_the_last_dead_nodes_only_and_the_run_goes_on() {
        let sim = run(3, 45.0);
        let evicted: Vec<&str> = sim
            .events()
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::Node { node, change: NodeChange::Evicted, .. } => Some(node.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(evicted, ["w1", "w2"], "the two earliest deaths, in order");
        let snap = sim.snapshot();
        let listed: Vec<&str> = snap.nodes.iter().map(|n| n.id.as_str()).collect();
        assert_eq!(listed, ["head", "w3", "w4", "w5", "w6", "n0", "n1", "n2", "n3", "n4"]);
        assert_eq!(snap.nodes.iter().filter(|n| !n.alive).count(), 3);
        assert_eq!(snap.nodes_joined, 12, "the evicted nodes still count as having joined");
        assert!(sim.violations().is_empty(), "{:?}", sim.violations());
        // The gangs were rebuilt on the nodes left, each member on a listed node.
        let running: Vec<_> = snap.replicas.iter().filter(|r| r.state == ReplicaState::Running).collect();
        assert_eq!(running.len(), 4);
        for r in running {
            assert!(r.node.as_deref().is_some_and(|n| listed.contains(&n)), "{r:?}");
        }
    }

    #[test]
    fn eviction_changes_no_decision() {
        // Placement orders nodes by their own key, not by index: with or without evictions, the same run.
        let (small, whole) = (run(3, 45.0), run(1000, 45.0));
        let decisions = |sim: &Simulation| {
            sim.events()
                .iter()
                .filter(|e| !matches!(e.kind, EventKind::Node { change: NodeChange::Evicted, .. }))
                .map(|e| (e.t, format!("{:?}", e.kind)))
                .collect::<Vec<_>>()
        };
        assert_eq!(decisions(&small), decisions(&whole));
        let alive = |sim: &Simulation| sim.snapshot().nodes.into_iter().filter(|n| n.alive).collect::<Vec<_>>();
        assert_eq!(alive(&small), alive(&whole));
    }
}
