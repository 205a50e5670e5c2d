//! An edited setup as a new run: the user's injected actions carried over where they still apply.
//!
//! An action still applies when the edited scenario accepts it: the deployment, replica rank or node it names
//! still exists, a new replica count is still a multiple of the gang size, and so on. The test is the scenario's own
//! validation (the rules a hand-written scenario's `actions` meet), applied to the actions one by one in time order,
//! each against the ones already kept, so what is carried over is exactly what a file with those actions would
//! accept. The others are listed with the reason, never dropped silently.
use crate::model::scenario::{Action, Scenario, validate};

/// The outcome of carrying actions over to an edited scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Carried {
    pub kept: Vec<Action>,
    /// Each action that no longer applies, with what the edited scenario says about it.
    pub dropped: Vec<(Action, String)>,
}

/// Carry `actions` (the user's, not the scenario's own) over to `edited`.
pub fn carry_actions(edited: &Scenario, actions: &[Action]) -> Carried {
    let mut probe = edited.clone();
    let own = probe.actions.len();
    let mut kept = Vec::new();
    let mut dropped = Vec::new();
    for a in actions {
        probe.actions.truncate(own);
        probe.actions.extend(kept.iter().cloned());
        probe.actions.push(a.clone());
        match validate(&probe) {
            Ok(()) => kept.push(a.clone()),
            Err(errors) => {
                let at = format!("actions[{}]", probe.actions.len() - 1);
                // The reason is the error about this action (others, if any, were there before it).
                let reason = errors
                    .iter()
                    .find(|e| e.path.starts_with(&at))
                    .or(errors.first())
                    .map(|e| e.message.clone())
                    .unwrap_or_default();
                dropped.push((a.clone(), reason));
            }
        }
    }
    Carried { kept, dropped }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::presets::preset_by_id;
    use crate::model::scenario::{ActionKind, NumReplicas};

    #[test]
    fn actions_on_what_still_exists_are_kept_the_others_listed() {
        let scenario = preset_by_id("replica-crash").unwrap().scenario().unwrap();
        let d = &scenario.applications[0].deployments[0];
        let dref = crate::model::scenario::DeploymentRef {
            app: scenario.applications[0].name.clone(),
            deployment: d.name.clone(),
        };
        let gang = d.gang_scheduling_config.as_ref().map_or(1, |g| g.gang_size);
        let n = d.fixed_replicas().unwrap();
        let actions = vec![
            Action { at_s: 5.0, kind: ActionKind::SetNumReplicas { deployment: dref.clone(), num_replicas: n + gang } },
            Action { at_s: 6.0, kind: ActionKind::KillNode { node: scenario.cluster.nodes[0].id.clone() } },
        ];
        // Unchanged: both apply.
        let same = carry_actions(&scenario, &actions);
        assert_eq!(same.kept.len(), 2, "{:?}", same.dropped);
        // The node is gone from the edited cluster: that action is dropped, with the reason.
        let mut edited = scenario.clone();
        edited.cluster.nodes.remove(0);
        let out = carry_actions(&edited, &actions);
        assert_eq!(out.kept, vec![actions[0].clone()]);
        assert_eq!(out.dropped.len(), 1);
        assert!(out.dropped[0].1.contains(&scenario.cluster.nodes[0].id), "{}", out.dropped[0].1);
        // A gang size that no longer divides the new count: the scale is dropped.
        if gang > 1 {
            let mut edited = scenario.clone();
            let g = edited.applications[0].deployments[0].gang_scheduling_config.as_mut().unwrap();
            g.gang_size = n + gang + 1;
            edited.applications[0].deployments[0].num_replicas = Some(NumReplicas::Fixed(n + gang + 1));
            let out = carry_actions(&edited, &actions);
            assert!(out.dropped.iter().any(|(a, _)| a == &actions[0]), "{out:?}");
        }
    }
}
