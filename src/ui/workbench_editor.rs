//! "Edit setup" (issue 13, "Edit in the page"): the current scenario's cluster as node groups, its applications'
//! deployments with Ray's field names, the model's behaviour toggles and the timing knobs.
//!
//! Every change goes into a JSON draft at the field's path and the draft is loaded again (`workbench_draft::check`,
//! the scenario loader itself): each problem shows next to its field, in Ray's words, and Apply stays off until
//! there are none. Apply hands the loaded scenario to the reducer, which starts a new run with the user's actions
//! carried over.
use crate::model::scenario::{Scenario, ScenarioError, TimingSpec};
use crate::model::serve::behaviour::{
    AutoscalingRounding, Choice, GangPgRemoval, GangServing, LeakDetection, StartupFailureCounting,
};
use crate::ui::workbench_draft::{
    self as draft, NodeGroup, add_group, duplicate_group, get, group_of_node, input_text, input_value, node_groups,
    node_index_of_path, pairs_text, parse_pairs, remove_group, set, set_group_count,
};
use serde_json::{Map, Value, json};
use std::rc::Rc;
use wasm_bindgen::JsCast;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct WorkbenchEditorProps {
    pub scenario: Rc<Scenario>,
    pub on_apply: Callback<Scenario>,
    pub on_close: Callback<()>,
}

/// A toggle: its field, its values (Ray 2.60's first; none for a yes/no toggle) and what it does.
pub type ToggleRow = (&'static str, fn() -> Vec<&'static str>, &'static str);

/// The model's behaviour toggles.
pub const TOGGLES: [ToggleRow; 7] = [
    (
        "gang_pg_removal",
        <GangPgRemoval as Choice>::names,
        "When a gang's placement group goes: last_member (2.60, #66221) once every member has left; first_member, before #66221, when the first member stops, killing stragglers.",
    ),
    (
        "startup_failure_counting",
        <StartupFailureCounting as Choice>::names,
        "How start-up failures count toward max_constructor_retry_count: once per gang (2.60) or once per failed replica (earlier Ray).",
    ),
    (
        "sweep_pending_migration",
        no_values,
        "On: the start-up sibling sweep also catches PENDING_MIGRATION members (#61217's fix). Off (2.60): it misses them.",
    ),
    (
        "incomplete_gang_teardown",
        no_values,
        "On (2.60): every tick, a RUNNING member whose gang lists a replica the controller no longer tracks tears its gang down. Off: only unhealthy members trigger RESTART_GANG.",
    ),
    (
        "leak_detection",
        <LeakDetection as Choice>::names,
        "When leaked gang placement groups are looked for: once when a controller starts (2.60), or every tick as Ray's docs say.",
    ),
    (
        "gang_serving",
        <GangServing as Choice>::names,
        "Which replicas serve: every RUNNING replica (2.60, #61610), or only gangs whose every member is RUNNING (#61804, unmerged).",
    ),
    (
        "autoscaling_rounding",
        <AutoscalingRounding as Choice>::names,
        "How the autoscaler rounds to whole gangs: always up (2.60), or up when scaling up and down when scaling down (#61467 as documented).",
    ),
];

fn no_values() -> Vec<&'static str> {
    Vec::new()
}

/// Timing knobs offered: field and Ray 2.60's default.
const TIMING: [(&str, f64); 6] = [
    ("control_loop_interval_s", TimingSpec::DEFAULT_CONTROL_LOOP_INTERVAL_S),
    ("health_check_period_s", TimingSpec::DEFAULT_HEALTH_CHECK_PERIOD_S),
    ("health_check_timeout_s", TimingSpec::DEFAULT_HEALTH_CHECK_TIMEOUT_S),
    ("graceful_shutdown_timeout_s", TimingSpec::DEFAULT_GRACEFUL_SHUTDOWN_TIMEOUT_S),
    ("controller_restart_s", 0.9),
    ("node_death_detection_s", 15.0),
];

const STRATEGIES: [&str; 4] = ["PACK", "SPREAD", "STRICT_PACK", "STRICT_SPREAD"];

/// The draft scenario, as JSON.
#[derive(PartialEq)]
pub struct Draft(Value);

pub enum DraftEdit {
    Edit(Box<dyn FnOnce(&mut Value)>),
    Reset(Value),
}

impl Reducible for Draft {
    type Action = DraftEdit;
    fn reduce(self: Rc<Self>, action: DraftEdit) -> Rc<Self> {
        match action {
            DraftEdit::Edit(f) => {
                let mut v = self.0.clone();
                f(&mut v);
                Rc::new(Draft(v))
            }
            DraftEdit::Reset(v) => Rc::new(Draft(v)),
        }
    }
}

impl std::ops::Deref for Draft {
    type Target = Value;
    fn deref(&self) -> &Value {
        &self.0
    }
}

/// The draft and its problems, shared by the field helpers.
#[derive(Clone)]
struct Ctx {
    draft: UseReducerHandle<Draft>,
    errors: Rc<Vec<ScenarioError>>,
}

fn value_of(e: &Event) -> String {
    let t = e.target();
    if let Some(i) = t.as_ref().and_then(|t| t.dyn_ref::<web_sys::HtmlInputElement>()) {
        return i.value();
    }
    if let Some(s) = t.as_ref().and_then(|t| t.dyn_ref::<web_sys::HtmlSelectElement>()) {
        return s.value();
    }
    t.and_then(|t| t.dyn_into::<web_sys::HtmlTextAreaElement>().ok()).map(|t| t.value()).unwrap_or_default()
}

fn checked(e: &Event) -> bool {
    e.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()).is_some_and(|i| i.checked())
}

/// A field name that may break after its dots and underscores (`ray_actor_options.num_cpus` in a narrow column).
fn breakable(name: &str) -> Html {
    let mut parts = Vec::new();
    let mut chunk = String::new();
    for c in name.chars() {
        chunk.push(c);
        if c == '.' || c == '_' {
            parts.push(html! { <>{ std::mem::take(&mut chunk) }<wbr /></> });
        }
    }
    parts.push(html! { { chunk } });
    parts.into_iter().collect()
}

fn field_id(path: &str) -> String {
    path.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect()
}

impl Ctx {
    /// Change the draft (the latest one: two quick edits never overwrite each other).
    fn edit(&self, f: impl FnOnce(&mut Value) + 'static) {
        self.draft.dispatch(DraftEdit::Edit(Box::new(f)));
    }

    /// The problems at `path` or inside it. A rule between two fields (Ray puts "num_replicas (3) must be a multiple
    /// of gang_size (2)." at num_replicas) shows at gang_size too.
    fn errors_at(&self, path: &str) -> Vec<String> {
        let gang_of = path.strip_suffix(".gang_scheduling_config.gang_size");
        let mut out: Vec<String> = self
            .errors
            .iter()
            .filter(|e| {
                e.path == path
                    || e.path.strip_prefix(path).is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
                    || gang_of.is_some_and(|d| e.path.starts_with(d) && e.message.contains("multiple of gang_size"))
            })
            .map(|e| e.message.clone())
            .collect();
        out.dedup();
        out
    }

    fn problem(&self, id: &str, errors: &[String]) -> Html {
        if errors.is_empty() {
            return html! {};
        }
        html! {
            <span class="wb-err" id={format!("{id}-err")}>
                { for errors.iter().map(|m| html! { <span>{ m.clone() }</span> }) }
            </span>
        }
    }

    /// A text input for the value at `path` (a number, or `auto`, or whatever is typed: the loader says).
    fn input(&self, path: &str, label: &str, aria: &str, placeholder: &str) -> Html {
        let id = field_id(path);
        let errors = self.errors_at(path);
        let value = input_text(get(&self.draft, path));
        let onchange = {
            let (ctx, path) = (self.clone(), path.to_string());
            Callback::from(move |e: Event| {
                let v = input_value(&value_of(&e));
                let path = path.clone();
                ctx.edit(move |d| set(d, &path, v));
            })
        };
        html! {
            <div class={classes!("wb-field", (!errors.is_empty()).then_some("invalid"))}>
                <label for={id.clone()}>{ breakable(label) }</label>
                <input id={id.clone()} type="text" inputmode="decimal" {value} {onchange} placeholder={placeholder.to_string()}
                    aria-label={aria.to_string()} aria-invalid={(!errors.is_empty()).to_string()}
                    aria-describedby={(!errors.is_empty()).then(|| format!("{id}-err"))} data-path={path.to_string()} />
                { self.problem(&id, &errors) }
            </div>
        }
    }

    /// A choice among `options` for the string at `path` (`""`: left out, Ray's default).
    fn select(&self, path: &str, label: &str, aria: &str, options: &[&str], default_label: Option<&str>) -> Html {
        let id = field_id(path);
        let errors = self.errors_at(path);
        let current = input_text(get(&self.draft, path));
        let onchange = {
            let (ctx, path) = (self.clone(), path.to_string());
            Callback::from(move |e: Event| {
                let v = value_of(&e);
                let path = path.clone();
                ctx.edit(move |d| set(d, &path, (!v.is_empty()).then(|| json!(v))));
            })
        };
        let mut opts: Vec<String> = options.iter().map(|s| s.to_string()).collect();
        if !current.is_empty() && !opts.contains(&current) {
            opts.push(current.clone());
        }
        html! {
            <div class={classes!("wb-field", (!errors.is_empty()).then_some("invalid"))}>
                <label for={id.clone()}>{ breakable(label) }</label>
                <select id={id.clone()} {onchange} aria-label={aria.to_string()} aria-invalid={(!errors.is_empty()).to_string()}
                    aria-describedby={(!errors.is_empty()).then(|| format!("{id}-err"))} data-path={path.to_string()}>
                    if let Some(d) = default_label {
                        <option value="" selected={current.is_empty()}>{ d.to_string() }</option>
                    }
                    { for opts.iter().map(|o| html! { <option value={o.clone()} selected={*o == current}>{ o.clone() }</option> }) }
                </select>
                { self.problem(&id, &errors) }
            </div>
        }
    }

    /// `name=value` pairs for the map at `path` (resources: numbers; labels: strings). Text that is not pairs is
    /// kept as typed, and the loader says what the field should be.
    fn pairs(&self, path: &str, label: &str, aria: &str, numeric: bool) -> Html {
        let id = field_id(path);
        let errors = self.errors_at(path);
        let value = match get(&self.draft, path) {
            Some(Value::String(s)) => s.clone(),
            v => pairs_text(v),
        };
        let onchange = {
            let (ctx, path) = (self.clone(), path.to_string());
            Callback::from(move |e: Event| {
                let text = value_of(&e);
                let v = match parse_pairs(&text, numeric) {
                    Ok(m) if m.is_empty() => None,
                    Ok(m) => Some(Value::Object(m)),
                    Err(_) => Some(Value::String(text)),
                };
                let path = path.clone();
                ctx.edit(move |d| set(d, &path, v));
            })
        };
        html! {
            <div class={classes!("wb-field", "wide", (!errors.is_empty()).then_some("invalid"))}>
                <label for={id.clone()}>{ breakable(label) }</label>
                <input id={id.clone()} type="text" {value} {onchange}
                    placeholder="name=value, name=value" aria-label={aria.to_string()}
                    aria-invalid={(!errors.is_empty()).to_string()} aria-describedby={(!errors.is_empty()).then(|| format!("{id}-err"))} />
                { self.problem(&id, &errors) }
            </div>
        }
    }
}

#[component(WorkbenchEditor)]
pub fn workbench_editor(props: &WorkbenchEditorProps) -> Html {
    let original = use_memo(props.scenario.clone(), |s| serde_json::to_value(&**s).expect("a scenario serializes"));
    let draft = {
        let original = original.clone();
        use_reducer(move || Draft((*original).clone()))
    };
    let checked_draft = use_memo(draft.0.clone(), draft::check);
    let errors = Rc::new(checked_draft.as_ref().as_ref().err().cloned().unwrap_or_default());
    let ctx = Ctx { draft: draft.clone(), errors: errors.clone() };
    let heading = use_node_ref();
    {
        let heading = heading.clone();
        use_effect_with((), move |_| {
            if let Some(h) = heading.cast::<web_sys::HtmlElement>() {
                let _ = h.focus();
            }
        });
    }
    let changed = draft.0 != *original;
    let on_apply = {
        let (checked_draft, on_apply) = (checked_draft.clone(), props.on_apply.clone());
        Callback::from(move |_: MouseEvent| {
            if let Ok(s) = &*checked_draft {
                on_apply.emit(s.clone());
            }
        })
    };
    let on_reset = {
        let (draft, original) = (draft.clone(), original.clone());
        Callback::from(move |_: MouseEvent| draft.dispatch(DraftEdit::Reset((*original).clone())))
    };
    let close = props.on_close.reform(|_: MouseEvent| ());

    let groups = node_groups(&draft);
    // Problems in a node belong to its group.
    let group_errors = |gi: usize| -> Vec<String> {
        let mut v: Vec<String> = errors
            .iter()
            .filter(|e| node_index_of_path(&e.path).and_then(|i| group_of_node(&groups, i)) == Some(gi))
            .map(|e| format!("{}: {}", e.path, e.message))
            .collect();
        v.dedup();
        v
    };
    let cluster = html! {
        <fieldset class="wb-section" aria-labelledby="wb-cluster-title">
            <legend id="wb-cluster-title">{ "Cluster" }</legend>
            <p class="quiet">{ "Worker nodes in groups: the same ray.io/node-group label (a KubeRay worker group), or the same resources and labels. memory is in bytes." }</p>
            <div class="wb-group head-group">
                <h4>{ "Head node" }</h4>
                { node_fields(&ctx, "cluster.head", "the head node", &["cluster.head".to_string()]) }
            </div>
            { for groups.iter().enumerate().map(|(gi, g)| group_card(&ctx, g, group_errors(gi))) }
            <button type="button" onclick={{ let ctx = ctx.clone(); Callback::from(move |_: MouseEvent| ctx.edit(add_group)) }}>{ "Add node group" }</button>
        </fieldset>
    };

    let apps = get(&draft, "applications").and_then(Value::as_array).cloned().unwrap_or_default();
    let applications = html! {
        <fieldset class="wb-section" aria-labelledby="wb-apps-title">
            <legend id="wb-apps-title">{ "Applications and deployments" }</legend>
            <p class="quiet">{ "Ray's field names; an empty field is left out (Ray's default)." }</p>
            { for apps.iter().enumerate().map(|(ai, app)| {
                let app_name = app.get("name").and_then(Value::as_str).unwrap_or("?").to_string();
                let deps = app.get("deployments").and_then(Value::as_array).cloned().unwrap_or_default();
                html! {
                    <div class="wb-app">
                        <h4>{ format!("Application {app_name}") }</h4>
                        { for deps.iter().enumerate().map(|(di, d)| {
                            let dn = d.get("name").and_then(Value::as_str).unwrap_or("?");
                            deployment_fields(&ctx, &format!("applications[{ai}].deployments[{di}]"), &format!("{app_name}/{dn}"), d)
                        }) }
                    </div>
                }
            }) }
        </fieldset>
    };

    let toggles = html! {
        <fieldset class="wb-section" aria-labelledby="wb-toggles-title">
            <legend id="wb-toggles-title">{ "Behaviour (other Ray versions)" }</legend>
            <p class="quiet">{ "Ray 2.60's released behaviour is the first choice of each." }</p>
            { for TOGGLES.iter().map(|(field, values, what)| {
                let path = format!("toggles.{field}");
                let values = values();
                let control = if values.is_empty() {
                    let on = get(&draft, &path).and_then(Value::as_bool).unwrap_or(*field == "incomplete_gang_teardown");
                    let onchange = {
                        let (ctx, path) = (ctx.clone(), path.clone());
                        Callback::from(move |e: Event| { let c = checked(&e); let path = path.clone(); ctx.edit(move |d| set(d, &path, Some(json!(c)))) })
                    };
                    html! {
                        <label class="wb-check"><input type="checkbox" checked={on} {onchange} aria-label={field.to_string()} />{ field.to_string() }</label>
                    }
                } else {
                    ctx.select(&path, field, field, &values, None)
                };
                html! { <div class="wb-toggle">{ control }<p class="quiet">{ what.to_string() }</p></div> }
            }) }
        </fieldset>
    };

    let timing = html! {
        <fieldset class="wb-section" aria-labelledby="wb-timing-title">
            <legend id="wb-timing-title">{ "Timing (seconds)" }</legend>
            <p class="quiet">{ "Empty: Ray 2.60's default (shown)." }</p>
            <div class="wb-fields">
                { for TIMING.iter().map(|(k, default)| ctx.input(&format!("timing.{k}"), k, &format!("timing {k}"), &default.to_string())) }
            </div>
        </fieldset>
    };

    let other_errors: Vec<&ScenarioError> = errors
        .iter()
        .filter(|e| {
            !(e.path.starts_with("cluster.")
                || e.path.starts_with("applications[")
                || e.path.starts_with("toggles.")
                || e.path.starts_with("timing."))
        })
        .collect();
    html! {
        <div class="wb-backdrop">
            <section class="wb-dialog wb-editor" role="dialog" aria-modal="true" aria-labelledby="editor-title" data-testid="workbench-editor">
                <header class="wb-dialog-head">
                    <h2 id="editor-title" tabindex="-1" ref={heading}>{ "Edit setup" }</h2>
                    <button type="button" class="small" onclick={close.clone()} aria-label="Close the editor">{ "Close" }</button>
                </header>
                <div class="wb-dialog-body">
                    { cluster }
                    { applications }
                    { toggles }
                    { timing }
                    if !other_errors.is_empty() {
                        <ul class="wb-problems">{ for other_errors.iter().map(|e| html! { <li>{ e.to_string() }</li> }) }</ul>
                    }
                </div>
                <footer class="wb-dialog-foot">
                    <p class={classes!("wb-summary", (!errors.is_empty()).then_some("bad"))} role="status" data-testid="editor-summary">
                        { if !errors.is_empty() {
                            format!("{} problem{} to fix before Apply (shown at each field).", errors.len(), if errors.len() == 1 { "" } else { "s" })
                        } else if changed {
                            "Ready: Apply starts a new run with your injected actions carried over where they still apply.".to_string()
                        } else {
                            "No changes yet.".to_string()
                        } }
                    </p>
                    <button type="button" onclick={on_reset} disabled={!changed}>{ "Reset edits" }</button>
                    <button type="button" onclick={close}>{ "Cancel" }</button>
                    <button type="button" class="primary" onclick={on_apply} disabled={!changed || !errors.is_empty()}>{ "Apply and start a new run" }</button>
                </footer>
            </section>
        </div>
    }
}

/// CPU, GPU, memory, other resources and labels of the nodes at `paths` (the first one's values are shown; a change
/// is written to all of them).
fn node_fields(ctx: &Ctx, first: &str, what: &str, paths: &[String]) -> Html {
    let resource = |key: &str| {
        let id = field_id(&format!("{first}.resources.{key}"));
        let value = input_text(get(&ctx.draft, &format!("{first}.resources.{key}")));
        let onchange = {
            let (ctx, paths, key) = (ctx.clone(), paths.to_vec(), key.to_string());
            Callback::from(move |e: Event| {
                let v = input_value(&value_of(&e));
                let (paths, key) = (paths.clone(), key.clone());
                ctx.edit(move |d| {
                    for p in &paths {
                        set(d, &format!("{p}.resources.{key}"), v.clone());
                    }
                })
            })
        };
        html! {
            <div class="wb-field">
                <label for={id.clone()}>{ key.to_string() }</label>
                <input id={id} type="text" inputmode="decimal" {value} {onchange} aria-label={format!("{key} of {what}")} />
            </div>
        }
    };
    let others = {
        let current =
            get(&ctx.draft, &format!("{first}.resources")).and_then(Value::as_object).cloned().unwrap_or_default();
        let shown: Map<String, Value> =
            current.into_iter().filter(|(k, _)| !["CPU", "GPU", "memory"].contains(&k.as_str())).collect();
        let onchange = {
            let (ctx, paths) = (ctx.clone(), paths.to_vec());
            Callback::from(move |e: Event| {
                let Ok(m) = parse_pairs(&value_of(&e), true) else { return };
                let paths = paths.clone();
                ctx.edit(move |d| {
                    for p in &paths {
                        let mut r =
                            get(d, &format!("{p}.resources")).and_then(Value::as_object).cloned().unwrap_or_default();
                        r.retain(|k, _| ["CPU", "GPU", "memory"].contains(&k.as_str()));
                        r.extend(m.clone());
                        set(d, &format!("{p}.resources"), Some(Value::Object(r)));
                    }
                })
            })
        };
        html! {
            <div class="wb-field wide">
                <label for={field_id(&format!("{first}.resources-other"))}>{ "other resources" }</label>
                <input id={field_id(&format!("{first}.resources-other"))} type="text" value={pairs_text(Some(&Value::Object(shown)))}
                    {onchange} placeholder="TPU=4, accelerator_type:A100=1" aria-label={format!("Other resources of {what}")} />
            </div>
        }
    };
    let labels = {
        let current = match get(&ctx.draft, &format!("{first}.labels")) {
            Some(Value::String(s)) => s.clone(),
            v => pairs_text(v),
        };
        let onchange = {
            let (ctx, paths) = (ctx.clone(), paths.to_vec());
            Callback::from(move |e: Event| {
                let text = value_of(&e);
                let v = match parse_pairs(&text, false) {
                    Ok(m) if m.is_empty() => None,
                    Ok(m) => Some(Value::Object(m)),
                    Err(_) => Some(Value::String(text)),
                };
                let paths = paths.clone();
                ctx.edit(move |d| {
                    for p in &paths {
                        set(d, &format!("{p}.labels"), v.clone());
                    }
                })
            })
        };
        html! {
            <div class="wb-field wide">
                <label for={field_id(&format!("{first}.labels"))}>{ "labels" }</label>
                <input id={field_id(&format!("{first}.labels"))} type="text" value={current} {onchange}
                    placeholder="zone=us-central1-a" aria-label={format!("Labels of {what}")} />
            </div>
        }
    };
    html! {
        <div class="wb-fields">
            { resource("CPU") }{ resource("GPU") }{ resource("memory") }{ others }{ labels }
        </div>
    }
}

fn group_card(ctx: &Ctx, g: &NodeGroup, errors: Vec<String>) -> Html {
    let first = format!("cluster.nodes[{}]", g.nodes[0]);
    let paths: Vec<String> = g.nodes.iter().map(|i| format!("cluster.nodes[{i}]")).collect();
    let what = format!("group {}", g.name);
    let ids: Vec<String> = g
        .nodes
        .iter()
        .filter_map(|&i| get(&ctx.draft, &format!("cluster.nodes[{i}].id")).and_then(Value::as_str).map(str::to_string))
        .collect();
    let on_count = {
        let (ctx, g) = (ctx.clone(), g.clone());
        Callback::from(move |e: Event| {
            if let Ok(n) = value_of(&e).trim().parse::<usize>() {
                let g = g.clone();
                ctx.edit(move |d| set_group_count(d, &g, n.clamp(1, 2000)));
            }
        })
    };
    let on_dup = {
        let (ctx, g) = (ctx.clone(), g.clone());
        Callback::from(move |_: MouseEvent| {
            let g = g.clone();
            ctx.edit(move |d| duplicate_group(d, &g))
        })
    };
    let on_remove = {
        let (ctx, g) = (ctx.clone(), g.clone());
        Callback::from(move |_: MouseEvent| {
            let g = g.clone();
            ctx.edit(move |d| remove_group(d, &g))
        })
    };
    let count_id = format!("wb-count-{}", field_id(&g.name));
    let shown_ids = if ids.len() > 6 {
        format!("{} … {} ({} nodes)", ids[..3].join(", "), ids[ids.len() - 1], ids.len())
    } else {
        ids.join(", ")
    };
    html! {
        <div class={classes!("wb-group", (!errors.is_empty()).then_some("invalid"))} data-group={g.name.clone()}>
            <div class="wb-group-head">
                <h4>{ format!("Group {}", g.name) }</h4>
                <div class="wb-field count">
                    <label for={count_id.clone()}>{ "nodes" }</label>
                    <input id={count_id} type="number" min="1" max="2000" value={g.nodes.len().to_string()} onchange={on_count}
                        aria-label={format!("Nodes in group {}", g.name)} />
                </div>
                <button type="button" class="small" onclick={on_dup} aria-label={format!("Duplicate group {}", g.name)}>{ "Duplicate" }</button>
                <button type="button" class="small" onclick={on_remove}
                    aria-label={format!("Remove group {}", g.name)}>{ "Remove" }</button>
            </div>
            <p class="quiet wb-ids">{ shown_ids }</p>
            { node_fields(ctx, &first, &what, &paths) }
            if !errors.is_empty() {
                <span class="wb-err">{ for errors.iter().map(|m| html! { <span>{ m.clone() }</span> }) }</span>
            }
        </div>
    }
}

fn deployment_fields(ctx: &Ctx, d: &str, name: &str, dep: &Value) -> Html {
    // Shown as Ray spells it (under its section's checkbox, without the section's name); named "<field> of <app/deployment>".
    let f = |field: &str, placeholder: &str| {
        let shown = field.trim_start_matches("gang_scheduling_config.").trim_start_matches("autoscaling_config.");
        let last = field.rsplit('.').next().unwrap_or(field);
        ctx.input(&format!("{d}.{field}"), shown, &format!("{last} of {name}"), placeholder)
    };
    let gang = dep.get("gang_scheduling_config").is_some();
    let auto = dep.get("autoscaling_config").is_some();
    let on_gang = {
        let (ctx, d) = (ctx.clone(), d.to_string());
        Callback::from(move |e: Event| {
            let on = checked(&e);
            let d = d.clone();
            ctx.edit(move |v| set(v, &format!("{d}.gang_scheduling_config"), on.then(|| json!({ "gang_size": 2 }))))
        })
    };
    let on_auto = {
        let (ctx, d) = (ctx.clone(), d.to_string());
        Callback::from(move |e: Event| {
            let on = checked(&e);
            let d = d.clone();
            ctx.edit(move |v| {
                let g = get(v, &format!("{d}.gang_scheduling_config.gang_size"))
                    .and_then(Value::as_i64)
                    .unwrap_or(1)
                    .max(1);
                if on {
                    set(v, &format!("{d}.num_replicas"), None);
                    set(
                        v,
                        &format!("{d}.autoscaling_config"),
                        Some(json!({ "min_replicas": g, "max_replicas": 2 * g })),
                    );
                } else {
                    let min = get(v, &format!("{d}.autoscaling_config.min_replicas"))
                        .and_then(Value::as_i64)
                        .unwrap_or(g)
                        .max(1);
                    set(v, &format!("{d}.autoscaling_config"), None);
                    set(v, &format!("{d}.num_replicas"), Some(json!(min)));
                }
            })
        })
    };
    html! {
        <fieldset class="wb-deployment" data-deployment={name.to_string()}>
            <legend>{ format!("Deployment {name}") }</legend>
            <div class="wb-fields">
                { f("num_replicas", if auto { "auto" } else { "1" }) }
                { f("ray_actor_options.num_cpus", "1") }
                { f("ray_actor_options.num_gpus", "0") }
                { ctx.pairs(&format!("{d}.ray_actor_options.resources"), "ray_actor_options.resources", &format!("ray_actor_options.resources of {name}"), true) }
                { f("max_ongoing_requests", "5") }
                { f("max_replicas_per_node", "no limit") }
                { ctx.select(&format!("{d}.placement_group_strategy"), "placement_group_strategy", &format!("placement_group_strategy of {name}"), &STRATEGIES, Some("(none)")) }
                { f("health_check_period_s", "10") }
                { f("health_check_timeout_s", "30") }
                { f("graceful_shutdown_timeout_s", "20") }
            </div>
            <label class="wb-check"><input type="checkbox" checked={gang} onchange={on_gang} aria-label={format!("Gang scheduling for {name}")} />{ "gang_scheduling_config" }</label>
            if gang {
                <div class="wb-fields">
                    { f("gang_scheduling_config.gang_size", "") }
                    { ctx.select(&format!("{d}.gang_scheduling_config.gang_placement_strategy"), "gang_placement_strategy", &format!("gang_placement_strategy of {name}"), &["PACK", "SPREAD"], Some("PACK (default)")) }
                    { ctx.select(&format!("{d}.gang_scheduling_config.runtime_failure_policy"), "runtime_failure_policy", &format!("runtime_failure_policy of {name}"), &["RESTART_GANG", "RESTART_REPLICA"], Some("RESTART_GANG (default)")) }
                </div>
            }
            <label class="wb-check"><input type="checkbox" checked={auto} onchange={on_auto} aria-label={format!("Autoscaling for {name}")} />{ "autoscaling_config" }</label>
            if auto {
                <div class="wb-fields">
                    { f("autoscaling_config.min_replicas", "1") }
                    { f("autoscaling_config.max_replicas", "1") }
                    { f("autoscaling_config.initial_replicas", "min_replicas") }
                    { f("autoscaling_config.target_ongoing_requests", "2") }
                </div>
            }
            { ctx.problem(&field_id(d), &ctx.errors.iter().filter(|e| e.path == d).map(|e| e.message.clone()).collect::<Vec<_>>()) }
        </fieldset>
    }
}
