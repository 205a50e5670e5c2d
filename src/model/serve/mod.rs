//! The Serve controller, file by file beside Ray 2.60's `serve/_private`:
//!
//! | here | Ray 2.60 |
//! |---|---|
//! | `controller.rs` | `DeploymentStateManager` (`deployment_state.py`): `update`, `_reserve_gang_placement_groups` |
//! | `deployment_state.rs` | `DeploymentState`, `DeploymentReplica`, `GangReservation` (the data) |
//! | `config.rs`, `version.rs` | `DeploymentConfig` (`config.py`); `DeploymentVersion` (`version.py`): what restarts, what reconfigures |
//! | `rollout.rs` | `deploy`, rolling updates: `_check_and_stop_outdated_version_replicas`, `_rollout_size`, the surge rollout |
//! | `migration.rs` | STEP 3, node draining: `migrate_replicas_on_draining_nodes`, `_choose_pending_migration_gangs_to_stop` |
//! | `check_replicas.rs` | `check_and_update_replicas`, `_check_startup_replicas`, `_reclaim_empty_gang_placement_groups` |
//! | `check_health.rs` | the health pass, `_forcefully_stop_gang_replicas` (RESTART_GANG) |
//! | `scale.rs` | `scale_deployment_replicas`, `_add_upscale_gang_replicas`, `stop_replicas` |
//! | `deployment_status.rs`, `status.rs` | `check_curr_status`; `DeploymentStatusInfo.handle_transition` (`common.py`) |
//! | `transitions.rs` | `_stop_replica`, `record_replica_startup_failure`, replica state changes |
//! | `scheduler.rs` | `DeploymentScheduler` (`deployment_scheduler.py`): `_prepare_gangs_for_deployment`, `_get_replicas_to_stop` |
//! | `autoscaling_config.rs` | `AutoscalingConfig` (`serve/config.py`), its defaults and `handle_num_replicas_auto` |
//! | `autoscaling_policy.rs` | `replica_queue_length_autoscaling_policy` and its wrappers (`autoscaling_policy.py`), `GangSchedulingAutoscalingPolicy` |
//! | `autoscaling_state.rs`, `autoscale.rs` | `DeploymentAutoscalingState` (`autoscaling_state.py`); `DeploymentState.autoscale` |
//! | `recovery.rs` | `_recover_from_checkpoint`, `_detect_and_remove_leaked_placement_groups` |
//! | `calls.rs` | the controller's RPCs (`controller.py`); while it is down the callers retry (`max_task_retries=-1`) |
//! | `ctx.rs` | what a step may touch besides the controller: GCS, event log, RNG, timings, toggles |
//! | `health.rs`, `replica.rs` | `ActorReplicaWrapper.check_health`; `ReplicaState`, `GangContext` (`common.py`) |
//! | `behaviour.rs` | the toggles for behaviour that changed across Ray versions, resolved once per run |
//! | `wakeups.rs` | not in Ray: skipping loops that would change nothing |
pub mod autoscale;
pub mod autoscaling_config;
pub mod autoscaling_policy;
pub mod autoscaling_state;
pub mod behaviour;
pub mod calls;
pub mod check_health;
pub mod check_replicas;
pub mod config;
pub mod controller;
pub mod ctx;
pub mod deployment_state;
pub mod deployment_status;
pub mod health;
pub mod migration;
pub mod recovery;
pub mod replica;
pub mod rollout;
pub mod scale;
pub mod scheduler;
pub mod status;
pub mod transitions;
pub mod version;
pub mod wakeups;
