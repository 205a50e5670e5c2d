//! Fault injection by direct manipulation: the actions that apply to what the user selected (a replica, a node,
//! a deployment, or the cluster as a whole). Each button becomes a model action at the current simulated time.
use crate::model::resources::Resources;
use crate::model::scenario::{ActionKind, DeploymentRef, NodeSpec, ReplicaRef, Times};
use crate::model::snapshot::Snapshot;
use crate::ui::palette::short_pg_name;
use crate::ui::state::Target;
use crate::ui::traffic_form::SetTrafficForm;
use std::collections::BTreeMap;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ActionPanelProps {
    pub target: Target,
    pub snapshot: Rc<Snapshot>,
    pub on_inject: Callback<ActionKind>,
    pub on_target: Callback<Option<Target>>,
}

fn text_input(state: &UseStateHandle<String>) -> Callback<InputEvent> {
    let state = state.clone();
    Callback::from(move |e: InputEvent| {
        let v = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()).map(|i| i.value());
        state.set(v.unwrap_or_default())
    })
}

/// Ray's words when `num_replicas` is set on an autoscaled deployment (`serve/deployment.py`): why the scale
/// control is off for one.
pub const MANUAL_NUM_REPLICAS: &str =
    "Manually setting num_replicas is not allowed when autoscaling_config is provided.";

/// The first `wN` id no node has. Once the GCS evicted dead nodes from its cache they are no longer listed, and the
/// lowest free number could be one of theirs: then N starts past every node that ever joined, so an id offered here
/// never names two nodes of one run (Ray's node ids are never reused).
pub fn free_node_id(snapshot: &Snapshot) -> String {
    let evicted = snapshot.nodes_joined as usize > snapshot.nodes.len();
    let from = if evicted { snapshot.nodes_joined as usize } else { 1 };
    (from..).map(|i| format!("w{i}")).find(|id| snapshot.nodes.iter().all(|n| &n.id != id)).unwrap_or_default()
}

/// The CPU and GPU "Add a node" offers: the cluster's most common worker shape (dead workers count: a node is
/// mostly added back in place of one that died), the first seen on a tie; 2 CPU, 0 GPU for a cluster of a head
/// only. A fixed 2 CPU added to a cluster of 16-CPU, 4-GPU workers could host none of its GPU replicas.
pub fn usual_worker_shape(snapshot: &Snapshot) -> (f64, f64) {
    let mut shapes: Vec<((f64, f64), usize)> = Vec::new();
    for n in snapshot.nodes.iter().filter(|n| !n.is_head) {
        let shape = (n.resources.get_f64("CPU"), n.resources.get_f64("GPU"));
        match shapes.iter_mut().find(|(s, _)| *s == shape) {
            Some((_, count)) => *count += 1,
            None => shapes.push((shape, 1)),
        }
    }
    // max_by_key keeps the last of equal counts: reversed, so the first seen wins a tie.
    shapes.into_iter().rev().max_by_key(|(_, count)| *count).map_or((2.0, 0.0), |(shape, _)| shape)
}

/// The version label "Deploy new version" asks for after `target`: `v1` → `v2`; a label not of the form `vN`
/// gets `-next` appended (`blue` → `blue-next`).
pub fn next_version_label(target: &str) -> String {
    // A label `v1 #2` is code version `v1` redeployed with other options: the next code version is `v2`.
    let target = target.split(" #").next().unwrap_or(target);
    match target.strip_prefix('v').and_then(|n| (!n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())).then_some(n)) {
        Some(n) => match n.parse::<u64>() {
            Ok(k) => format!("v{}", k.saturating_add(1)),
            Err(_) => format!("{target}-next"),
        },
        None => format!("{target}-next"),
    }
}

/// The `DeployVersion` action of "Deploy new version": only the version changes.
pub fn deploy_next_version(dref: DeploymentRef, target: &str) -> ActionKind {
    ActionKind::DeployVersion {
        deployment: dref,
        graceful_shutdown_timeout_s: None,
        health_check_period_s: None,
        max_surge_percent: None,
        num_replicas: None,
        ray_actor_options: None,
        rolling_update_percentage: None,
        user_config: None,
        version: Some(next_version_label(target)),
    }
}

/// The `DrainNode` action of "Drain node": a preemption with a 30 s deadline.
pub fn drain_node_action(node: &str) -> ActionKind {
    drain_node_with(node, "DRAIN_NODE_REASON_PREEMPTION", Some(30.0))
}

/// A `DrainNode` action with the reason and deadline chosen in the panel.
pub fn drain_node_with(node: &str, reason: &str, deadline_s: Option<f64>) -> ActionKind {
    ActionKind::DrainNode { deadline_s, node: node.to_string(), reason: Some(reason.to_string()), reason_message: None }
}

/// The drain deadline typed in the panel: empty is no deadline; otherwise seconds ≥ 0 (`None` if not a number).
pub fn parse_deadline(text: &str) -> Option<Option<f64>> {
    let t = text.trim();
    if t.is_empty() {
        return Some(None);
    }
    t.parse::<f64>().ok().filter(|v| v.is_finite() && *v >= 0.0).map(Some)
}

fn action_button(
    label: String,
    testid: &'static str,
    kind: Option<ActionKind>,
    on_inject: &Callback<ActionKind>,
) -> Html {
    let disabled = kind.is_none();
    let onclick = {
        let cb = on_inject.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(k) = kind.clone() {
                cb.emit(k)
            }
        })
    };
    html! { <button type="button" class="act" data-testid={testid} {disabled} {onclick}>{ label }</button> }
}

#[component(ActionPanel)]
pub fn action_panel(props: &ActionPanelProps) -> Html {
    let hc_times = use_state(|| "3".to_string());
    let num_replicas = use_state(String::new);
    let gcs_for = use_state(|| "10".to_string());
    let node_id = use_state(String::new);
    // Empty until edited: the form then offers the cluster's usual worker shape (as the id, a free one).
    let node_cpu = use_state(String::new);
    let node_gpu = use_state(String::new);
    let drain_deadline = use_state(|| "30".to_string());
    let drain_idle = use_state(|| false);
    let surge = use_state(String::new);
    let panel = use_node_ref();
    {
        // Move focus into the panel when it opens or its target changes, so keyboard users land on the actions.
        let panel = panel.clone();
        use_effect_with(props.target.clone(), move |_| {
            let doc = gloo::utils::document();
            // A replica or node is an SVG element: `focus()` is the same method there.
            let opener = doc.active_element().map(|a| a.unchecked_into::<web_sys::HtmlElement>());
            let el = panel.cast::<web_sys::Element>();
            let first = ["button.act:not([disabled])", "input", "button"]
                .iter()
                .find_map(|sel| el.as_ref().and_then(|el| el.query_selector(sel).ok().flatten()));
            if let Some(first) = first.and_then(|f| f.dyn_into::<web_sys::HtmlElement>().ok()) {
                let _ = first.focus();
            }
            // A non-modal dialog: Tab may leave it. On close, if focus was still in it (or was lost with it), give it
            // back to the replica, node or button that opened it, if that is still on the page.
            move || {
                let doc = gloo::utils::document();
                let active = doc.active_element();
                let lost = active.as_ref().is_none_or(|a| {
                    doc.body().is_some_and(|b| a == b.unchecked_ref::<web_sys::Element>())
                        || el.as_ref().is_some_and(|p| p.contains(Some(a)))
                });
                if lost && let Some(o) = opener.filter(|o| o.is_connected()) {
                    let _ = o.focus();
                }
            }
        });
    }
    let snap = &props.snapshot;
    let inject = &props.on_inject;
    let close = props.on_target.reform(|_: MouseEvent| None);
    let go = |t: Target| props.on_target.reform(move |_: MouseEvent| Some(t.clone()));

    let add_node_form = {
        let id = if node_id.is_empty() { free_node_id(snap) } else { (*node_id).clone() };
        let (usual_cpu, usual_gpu) = usual_worker_shape(snap);
        let or_usual =
            |edited: &str, usual: f64| if edited.is_empty() { usual.to_string() } else { edited.to_string() };
        let (cpu_text, gpu_text) = (or_usual(&node_cpu, usual_cpu), or_usual(&node_gpu, usual_gpu));
        let cpu = cpu_text.trim().parse::<f64>().ok().filter(|v| v.is_finite() && *v >= 0.0);
        let gpu = gpu_text.trim().parse::<f64>().ok().filter(|v| v.is_finite() && *v >= 0.0);
        let taken = snap.nodes.iter().any(|n| n.id == id);
        let kind = match (cpu, gpu) {
            (Some(c), Some(g)) if !id.trim().is_empty() && !taken => {
                let mut r = Resources::new();
                r.set("CPU", c);
                r.set("GPU", g);
                Some(ActionKind::AddNode {
                    node: NodeSpec { id: id.trim().to_string(), resources: r, labels: BTreeMap::new() },
                })
            }
            _ => None,
        };
        html! {
            <fieldset class="add-node">
                <legend>{ "Add a node" }</legend>
                <label><span>{ "id" }</span><input type="text" value={id.clone()} oninput={text_input(&node_id)} data-testid="add-node-id" /></label>
                <label><span>{ "CPU" }</span><input type="number" min="0" step="1" value={cpu_text} oninput={text_input(&node_cpu)} data-testid="add-node-cpu" /></label>
                <label><span>{ "GPU" }</span><input type="number" min="0" step="1" value={gpu_text} oninput={text_input(&node_gpu)} data-testid="add-node-gpu" /></label>
                if taken { <p class="form-error">{ format!("A node called {id} already exists.") }</p> }
                { action_button(format!("Add node {}", id.trim()), "add-node", kind, inject) }
            </fieldset>
        }
    };

    let (title, body) = match &props.target {
        Target::Replica(id) => match snap.replicas.iter().find(|r| &r.id == id) {
            None => (
                "Replica".to_string(),
                html! { <p>{ format!("Replica {id} has stopped and left the controller's table.") }</p> },
            ),
            Some(r) => {
                let rref = ReplicaRef {
                    app: r.app.clone(),
                    deployment: r.deployment.clone(),
                    id: Some(r.id.clone()),
                    ..Default::default()
                };
                let times = hc_times.trim().parse::<u32>().ok().filter(|n| *n >= 1);
                let dref = DeploymentRef { app: r.app.clone(), deployment: r.deployment.clone() };
                let rank = r.gang_context.as_ref().map(|g| g.rank);
                let where_ = match (&r.node, &r.pg_name, r.bundle_index) {
                    (Some(n), Some(pg), Some(b)) => format!("on {n}, bundle {b} of {}", short_pg_name(pg)),
                    (Some(n), _, _) => format!("on {n}"),
                    (None, Some(pg), _) => format!("waiting for {}", short_pg_name(pg)),
                    (None, None, _) => "not placed".to_string(),
                };
                let gang = match &r.gang_context {
                    Some(g) => format!("gang {} · rank {} of {}", g.gang_id, g.rank, g.world_size),
                    None => "not in a gang".to_string(),
                };
                let node_target = r.node.clone().map(Target::Node);
                let body = html! {
                    <>
                        <p class="target-desc">
                            <strong>{ r.state.as_str() }</strong>{ format!(" · {}/{} · {gang} · {where_}", r.app, r.deployment) }
                        </p>
                        <div class="act-row">
                            // Issue 14: a replica whose actor is already dead has nothing left to kill.
                            if r.actor_alive {
                                { action_button("Kill replica".into(), "kill-replica", Some(ActionKind::KillReplica { replica: rref.clone() }), inject) }
                            } else {
                                <p class="quiet" data-testid="kill-why">{ "Its actor process is already dead: nothing to kill. The controller finds out at its next health check." }</p>
                            }
                        </div>
                        <fieldset>
                            <legend>{ "Health check" }</legend>
                            <label><span>{ "times" }</span>
                                <input type="number" min="1" step="1" value={(*hc_times).clone()} oninput={text_input(&hc_times)} data-testid="hc-times" />
                            </label>
                            { action_button(format!("Fail next {} checks", times.map(|t| t.to_string()).unwrap_or_else(|| "n".into())), "fail-hc",
                                times.map(|t| ActionKind::FailHealthCheck { replica: rref.clone(), times: Times::Count(t) }), inject) }
                            { action_button("Fail until healed".into(), "fail-hc-forever",
                                Some(ActionKind::FailHealthCheck { replica: rref.clone(), times: Times::Forever }), inject) }
                            { action_button("Heal".into(), "heal-hc", Some(ActionKind::HealHealthCheck { replica: rref.clone() }), inject) }
                        </fieldset>
                        <div class="act-row">
                            { action_button(
                                match rank { Some(k) => format!("Fail next start-up of rank {k}"), None => "Fail next start-up".into() },
                                "fail-startup",
                                Some(ActionKind::FailConstructor { deployment: dref, rank, times: Times::Count(1) }), inject) }
                        </div>
                        <div class="act-row nav">
                            if let Some(t) = node_target.clone() {
                                <button type="button" onclick={go(t)}>{ format!("Node {}…", r.node.clone().unwrap_or_default()) }</button>
                            }
                            <button type="button" onclick={go(Target::Deployment { app: r.app.clone(), deployment: r.deployment.clone() })}>
                                { format!("Deployment {}…", r.deployment) }
                            </button>
                        </div>
                    </>
                };
                (format!("Replica {}", r.id), body)
            }
        },
        Target::Node(id) => match snap.nodes.iter().find(|n| &n.id == id) {
            None => ("Node".to_string(), html! { <p>{ format!("There is no node {id}.") }</p> }),
            Some(n) => {
                let can_kill = n.alive && !n.killed;
                let drain = crate::ui::node_card::shown_drain(n);
                let can_drain = can_kill && !n.is_head && n.draining.is_none();
                let state = if !n.alive {
                    "dead".to_string()
                } else if n.killed {
                    "killed, not yet declared dead".to_string()
                } else if let Some(d) = drain {
                    format!("alive, DRAINING ({})", crate::ui::node_card::drain_words(d, Some(snap.t)))
                } else {
                    "alive".to_string()
                };
                let body = html! {
                    <>
                        <p class="target-desc">
                            { format!("{}{state} · total {} · available {}", if n.is_head { "head node · " } else { "" }, n.resources.describe(), n.available.describe()) }
                        </p>
                        <div class="act-row">
                            { action_button(format!("Kill node {}", n.id), "kill-node", can_kill.then(|| ActionKind::KillNode { node: n.id.clone() }), inject) }
                        </div>
                        if !n.is_head {
                            <fieldset>
                                <legend>{ "Drain (Ray's DrainNode)" }</legend>
                                <label><span>{ "reason" }</span>
                                    <select data-testid="drain-reason" onchange={
                                        let drain_idle = drain_idle.clone();
                                        Callback::from(move |e: Event| {
                                            let v = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok()).map(|s| s.value());
                                            drain_idle.set(v.as_deref() == Some("DRAIN_NODE_REASON_IDLE_TERMINATION"));
                                        })
                                    }>
                                        <option value="DRAIN_NODE_REASON_PREEMPTION" selected={!*drain_idle}>{ "preemption (spot)" }</option>
                                        <option value="DRAIN_NODE_REASON_IDLE_TERMINATION" selected={*drain_idle}>{ "idle termination (autoscaler)" }</option>
                                    </select>
                                </label>
                                <label><span>{ "deadline s" }</span>
                                    <input type="number" min="0" step="1" placeholder="none" value={(*drain_deadline).clone()}
                                        oninput={text_input(&drain_deadline)} data-testid="drain-deadline" />
                                </label>
                                if parse_deadline(&drain_deadline).is_none() {
                                    <p class="form-error">{ "The deadline is a number of seconds (0 or more), or empty for none." }</p>
                                }
                                { action_button(format!("Drain node {}", n.id), "drain-node",
                                    parse_deadline(&drain_deadline).filter(|_| can_drain).map(|d| drain_node_with(&n.id,
                                        if *drain_idle { "DRAIN_NODE_REASON_IDLE_TERMINATION" } else { "DRAIN_NODE_REASON_PREEMPTION" }, d)), inject) }
                                if can_drain {
                                    <p class="quiet">{ "The node takes nothing new; its replicas go PENDING_MIGRATION (a gang moves whole) and stop once replacements run or the deadline nears; at the deadline it is killed. Ray refuses an idle termination of a busy node." }</p>
                                }
                            </fieldset>
                        }
                        if n.is_head { <p class="quiet">{ "Killing the head node kills the Serve controller with it." }</p> }
                        { add_node_form.clone() }
                    </>
                };
                (format!("Node {}", n.id), body)
            }
        },
        Target::Deployment { app, deployment } => match snap
            .deployments
            .iter()
            .find(|d| &d.app == app && &d.name == deployment)
        {
            None => ("Deployment".to_string(), html! { <p>{ format!("Deployment {app}/{deployment} is gone.") }</p> }),
            Some(d) => {
                let step = d.gang_size.unwrap_or(1).max(1);
                let wanted =
                    if num_replicas.is_empty() { d.target_num_replicas.to_string() } else { (*num_replicas).clone() };
                let n = wanted.trim().parse::<i64>().ok().filter(|v| *v >= 1);
                let multiple = n.is_some_and(|v| v % step as i64 == 0);
                let dref = DeploymentRef { app: app.clone(), deployment: deployment.clone() };
                let surge_text = if surge.is_empty() { d.max_surge_percent.to_string() } else { (*surge).clone() };
                let surge_pct = surge_text.trim().parse::<i64>().ok().filter(|p| (0..=100).contains(p));
                let autoscaled = d.autoscaling.is_some();
                let body = html! {
                    <>
                        <p class="target-desc">
                            { format!("{} · {} / {} running{}", d.status.as_str(), d.running, d.target_num_replicas,
                                d.gang_size.map(|g| format!(" · gangs of {g}")).unwrap_or_default()) }
                        </p>
                        <fieldset>
                            <legend>{ "Scale" }</legend>
                            <label><span>{ "num_replicas" }</span>
                                <input type="number" min={step.to_string()} step={step.to_string()} value={wanted.clone()}
                                    oninput={text_input(&num_replicas)} disabled={autoscaled} data-testid="num-replicas" />
                            </label>
                            if autoscaled {
                                <p class="quiet" data-testid="scale-disabled-reason">{ MANUAL_NUM_REPLICAS }</p>
                            } else if n.is_some() && !multiple {
                                <p class="form-error">{ format!("Must be a multiple of gang_size ({step}).") }</p>
                            }
                            { action_button(format!("Set num_replicas to {}", wanted.trim()), "set-replicas",
                                n.filter(|_| multiple && !autoscaled).map(|v| ActionKind::SetNumReplicas { deployment: dref.clone(), num_replicas: v }), inject) }
                        </fieldset>
                        <SetTrafficForm deployment={dref.clone()} offered_rps={d.traffic.as_ref().map(|t| t.offered_rps)}
                            disabled={d.deleting} on_inject={inject.clone()} />
                        <fieldset>
                            <legend>{ "Version" }</legend>
                            <p class="target-desc" data-testid="target-version">
                                { format!("target version {}", d.version) }
                                if d.rolling_update { { format!(" · rolling update: {} outdated", d.outdated) } }
                            </p>
                            <label><span>{ "max_surge_percent" }</span>
                                <input type="number" min="0" max="100" step="1" value={surge_text.clone()}
                                    oninput={text_input(&surge)} data-testid="surge" />
                            </label>
                            if surge_pct.is_none() {
                                <p class="form-error">{ "max_surge_percent is a whole number from 0 to 100 (Ray's default is 0)." }</p>
                            }
                            { action_button(format!("Deploy new version {}", next_version_label(&d.version)), "deploy-version",
                                surge_pct.filter(|_| !d.deleting).map(|p| {
                                    let mut k = deploy_next_version(dref.clone(), &d.version);
                                    if let ActionKind::DeployVersion { max_surge_percent, .. } = &mut k
                                        && p != i64::from(d.max_surge_percent)
                                    {
                                        *max_surge_percent = Some(p);
                                    }
                                    k
                                }), inject) }
                            { action_button("Change user_config (reconfigure in place)".into(), "deploy-user-config",
                                (!d.deleting).then(|| ActionKind::DeployVersion {
                                    deployment: dref.clone(),
                                    graceful_shutdown_timeout_s: None,
                                    health_check_period_s: None,
                                    max_surge_percent: None,
                                    num_replicas: None,
                                    ray_actor_options: None,
                                    rolling_update_percentage: None,
                                    user_config: Some(serde_json::json!({ "revision": snap.t.0 })),
                                    version: None,
                                }), inject) }
                            <p class="quiet">{ "A new version restarts replicas in batches (rolling_update_percentage of the target, whole gangs); a user_config change reconfigures them in place (UPDATING)." }</p>
                        </fieldset>
                        <div class="act-row">
                            { action_button("Fail next start-up".into(), "fail-startup-dep",
                                Some(ActionKind::FailConstructor { deployment: dref.clone(), rank: None, times: Times::Count(1) }), inject) }
                            { action_button("Fail every start-up".into(), "fail-startup-forever",
                                Some(ActionKind::FailConstructor { deployment: dref.clone(), rank: None, times: Times::Forever }), inject) }
                        </div>
                        <div class="act-row danger">
                            { action_button(format!("Delete app {app}"), "delete-app", (!d.deleting).then(|| ActionKind::DeleteApp { app: app.clone() }), inject) }
                        </div>
                    </>
                };
                (format!("Deployment {app}/{deployment}"), body)
            }
        },
        Target::Cluster => {
            let c = &snap.controller;
            let for_s = gcs_for.trim().parse::<f64>().ok().filter(|v| v.is_finite() && *v > 0.0);
            let body = html! {
                <>
                    <p class="target-desc">
                        { format!("Serve controller: {} (incarnation {})", if c.alive { "running" } else { "dead" }, c.incarnation) }
                    </p>
                    <div class="act-row">
                        { action_button("Kill the controller".into(), "kill-controller", c.alive.then_some(ActionKind::KillController {}), inject) }
                    </div>
                    <fieldset>
                        <legend>{ "Cluster-state (GCS) queries" }</legend>
                        <label><span>{ "seconds" }</span>
                            <input type="number" min="0.1" step="1" value={(*gcs_for).clone()} oninput={text_input(&gcs_for)} data-testid="gcs-for" />
                        </label>
                        { action_button(format!("Fail them for {} s", gcs_for.trim()), "fail-gcs", for_s.map(|s| ActionKind::FailGcsQueries { for_s: s }), inject) }
                    </fieldset>
                    { add_node_form.clone() }
                </>
            };
            ("Cluster faults".to_string(), body)
        }
    };
    html! {
        <div class="action-panel" role="dialog" aria-modal="false" aria-labelledby="action-title" ref={panel}
            data-testid="action-panel">
            <div class="panel-head">
                <h2 id="action-title">{ title }</h2>
                <button type="button" class="small close" onclick={close} aria-label="Close the action panel (Escape)">{ "✕" }</button>
            </div>
            { body }
            <p class="quiet panel-note">{ "Each action is applied at the current simulated time." }</p>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_node_offers_the_usual_worker_shape() {
        use crate::app::{presets::preset_by_id, session::Session};
        let shape =
            |id: &str| usual_worker_shape(&Session::new(preset_by_id(id).unwrap().scenario().unwrap()).snapshot());
        assert_eq!(shape("big-cluster"), (16.0, 4.0));
        assert_eq!(shape("replica-crash"), (2.0, 0.0));
        assert_eq!(usual_worker_shape(&Snapshot::default()), (2.0, 0.0), "a head only");
    }

    #[test]
    fn add_node_never_offers_the_id_of_a_node_the_gcs_forgot() {
        let node = |id: &str| crate::model::snapshot::NodeView {
            id: id.into(),
            is_head: id == "head",
            alive: true,
            killed: false,
            resources: Resources::new(),
            available: Resources::new(),
            reserved: Resources::new(),
            used: Resources::new(),
            labels: BTreeMap::new(),
            draining: None,
        };
        let nodes = |ids: &[&str]| ids.iter().map(|id| node(id)).collect::<Vec<_>>();
        let nothing_evicted = Snapshot { nodes: nodes(&["head", "w1", "w3"]), nodes_joined: 3, ..Snapshot::default() };
        assert_eq!(free_node_id(&nothing_evicted), "w2", "the lowest free number");
        // w1 and w2 died and were evicted; w4 and w5 were added: six joined, four listed. w1 is free but was a node.
        let evicted = Snapshot { nodes: nodes(&["head", "w3", "w4", "w5"]), nodes_joined: 6, ..Snapshot::default() };
        assert_eq!(free_node_id(&evicted), "w6");
        let crowded = Snapshot { nodes: nodes(&["head", "w6", "w7"]), nodes_joined: 6, ..Snapshot::default() };
        assert_eq!(free_node_id(&crowded), "w8");
    }

    #[test]
    fn next_version_label_counts_up_vn_and_appends_next_otherwise() {
        assert_eq!(next_version_label("v1"), "v2");
        assert_eq!(next_version_label("v9"), "v10");
        assert_eq!(next_version_label("blue"), "blue-next");
        assert_eq!(next_version_label("v1 #2"), "v2");
        assert_eq!(next_version_label("v"), "v-next");
        assert_eq!(next_version_label("v99999999999999999999999"), "v99999999999999999999999-next");
    }

    #[test]
    fn a_drain_deadline_is_seconds_or_empty_for_none() {
        assert_eq!(parse_deadline(""), Some(None));
        assert_eq!(parse_deadline(" 12.5 "), Some(Some(12.5)));
        assert_eq!(parse_deadline("0"), Some(Some(0.0)));
        assert_eq!(parse_deadline("-1"), None);
        assert_eq!(parse_deadline("soon"), None);
    }

    #[test]
    fn deploy_new_version_sets_only_the_version() {
        let dref = DeploymentRef { app: "app".into(), deployment: "G".into() };
        let ActionKind::DeployVersion { version, num_replicas, user_config, max_surge_percent, .. } =
            deploy_next_version(dref, "v3")
        else {
            panic!("not a DeployVersion");
        };
        assert_eq!(version.as_deref(), Some("v4"));
        assert!(num_replicas.is_none() && user_config.is_none() && max_surge_percent.is_none());
    }

    #[test]
    fn the_scale_control_s_reason_is_ray_s_refusal_as_the_scenario_validator_words_it() {
        use crate::app::presets::preset_by_id;
        use crate::model::scenario::{Action, validate};
        let mut scenario = preset_by_id("autoscale-ramp").unwrap().scenario().unwrap();
        let dref = DeploymentRef { app: "llm".into(), deployment: "Model".into() };
        scenario
            .actions
            .push(Action { at_s: 5.0, kind: ActionKind::SetNumReplicas { deployment: dref, num_replicas: 4 } });
        let errors = validate(&scenario).expect_err("num_replicas on an autoscaled deployment is refused");
        assert!(errors.iter().any(|e| e.to_string().contains(MANUAL_NUM_REPLICAS)), "{errors:?}");
    }
}
