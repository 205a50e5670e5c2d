//! "Compare with…" and "Many seeds…" (issue 13): the panel's buttons, the form that chooses run B's changes (seed,
//! a toggle, strategy, gang size, num_replicas, a node added or removed), the comparison's share link, and opening a
//! comparison link.
use crate::app::compare::{Change, Variant, toggle_choices};
use crate::app::link::{SharedLink, decode_link, encode_link};
use crate::model::scenario::{NodeSpec, Scenario};
use crate::ui::state::{CompareGesture, UiAction, UiState};
use crate::ui::storage::shared_of_state;
use crate::ui::sweep_panel::SweepPanel;
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ComparePanelProps {
    pub state: UseReducerHandle<UiState>,
}

/// The form's fields, as typed (blank: unchanged).
#[derive(Clone, Default, PartialEq)]
struct Form {
    label: String,
    seed: String,
    toggle: String,
    deployment: String,
    strategy: String,
    gang_size: String,
    num_replicas: String,
    node: String,
}

/// The deployments of a scenario as `app/deployment`, with whether each is a gang.
fn deployments(s: &Scenario) -> Vec<(String, bool)> {
    s.applications
        .iter()
        .flat_map(|a| {
            a.deployments.iter().map(move |d| (format!("{}/{}", a.name, d.name), d.gang_scheduling_config.is_some()))
        })
        .collect()
}

/// The variant the form describes, or what is wrong with it.
fn variant_of(f: &Form, s: &Scenario) -> Result<Variant, String> {
    let mut changes = Vec::new();
    let seed = f.seed.trim();
    if !seed.is_empty() {
        let seed: u64 = seed.parse().map_err(|_| format!("seed: a whole number of at least 0, found \"{seed}\""))?;
        changes.push(Change::Seed { seed });
    }
    if let Some((name, value)) = f.toggle.split_once('=') {
        let value = match value {
            "true" => serde_json::Value::Bool(true),
            "false" => serde_json::Value::Bool(false),
            v => serde_json::Value::String(v.to_string()),
        };
        changes.push(Change::Toggle { name: name.to_string(), value });
    }
    let dep = f.deployment.split_once('/').map(|(a, d)| (a.to_string(), d.to_string()));
    let needs_dep = |what: &str| format!("{what}: choose the deployment it applies to");
    let number = |what: &str, text: &str| -> Result<Option<i64>, String> {
        let t = text.trim();
        if t.is_empty() {
            return Ok(None);
        }
        t.parse::<i64>().map(Some).map_err(|_| format!("{what}: a whole number, found \"{t}\""))
    };
    if !f.strategy.is_empty() {
        let (app, deployment) = dep.clone().ok_or_else(|| needs_dep("strategy"))?;
        changes.push(Change::Strategy { app, deployment, strategy: f.strategy.clone() });
    }
    if let Some(n) = number("gang size", &f.gang_size)? {
        let (app, deployment) = dep.clone().ok_or_else(|| needs_dep("gang size"))?;
        changes.push(Change::GangSize { app, deployment, gang_size: n });
    }
    if let Some(n) = number("num_replicas", &f.num_replicas)? {
        let (app, deployment) = dep.clone().ok_or_else(|| needs_dep("num_replicas"))?;
        changes.push(Change::NumReplicas { app, deployment, num_replicas: n });
    }
    if let Some(id) = f.node.strip_prefix("remove:") {
        changes.push(Change::RemoveNode { node: id.to_string() });
    } else if let Some(like) = f.node.strip_prefix("add:") {
        let model = s.cluster.nodes.iter().find(|n| n.id == like).ok_or_else(|| format!("no node {like}"))?;
        let mut k = s.cluster.nodes.len() + 1;
        while s.cluster.nodes.iter().any(|n| n.id == format!("extra{k}")) {
            k += 1;
        }
        changes.push(Change::AddNode {
            node: NodeSpec {
                id: format!("extra{k}"),
                resources: model.resources.clone(),
                labels: model.labels.clone(),
            },
        });
    }
    if changes.is_empty() {
        return Err("Choose at least one change.".to_string());
    }
    let v = Variant::new(f.label.trim(), changes);
    v.apply(s)?;
    Ok(v)
}

/// The toggles' other values: (`name=value`, what the option says).
fn toggle_options(current: &serde_json::Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (name, values) in toggle_choices() {
        for v in values.into_iter().filter(|v| current.get(name) != Some(v)) {
            let text = match &v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            out.push((format!("{name}={text}"), format!("{name}: {text}")));
        }
    }
    out
}

/// The comparison in a link, if the page address carries one.
fn compare_in_address() -> Option<Variant> {
    let h = web_sys::window().and_then(|w| w.location().hash().ok()).unwrap_or_default();
    if h.len() <= 1 {
        return None;
    }
    decode_link(&h).ok().and_then(|l| l.compare)
}

#[component(ComparePanel)]
pub fn compare_panel(props: &ComparePanelProps) -> Html {
    let st = &props.state;
    let form_open = use_state(|| false);
    let sweep_open = use_state(|| false);
    let form = use_state(Form::default);
    let problem = use_state(|| None::<String>);
    let link = use_state(|| None::<String>);

    // A comparison link: open run B once the session it carries is loaded (now, and after a hash change, once the
    // page's own handler has replaced the session).
    {
        let d = st.dispatcher();
        use_effect_with((), move |_| {
            if let Some(v) = compare_in_address() {
                d.dispatch(UiAction::Compare(CompareGesture::Open(v)));
            }
            let window = gloo::utils::window();
            let listener = gloo::events::EventListener::new(&window, "hashchange", move |_| {
                let d = d.clone();
                gloo::timers::callback::Timeout::new(0, move || {
                    if let Some(v) = compare_in_address() {
                        d.dispatch(UiAction::Compare(CompareGesture::Open(v)));
                    }
                })
                .forget();
            });
            move || drop(listener)
        });
    }

    // Taken again only when the run's description may have changed (not every frame of playback).
    let key =
        (st.seed, st.scenario_name.clone(), st.user_actions, st.preset_id.clone(), st.session.0.borrow().version().0);
    let session = st.session.clone();
    let (scenario, actions) = (*use_memo(key, move |_| {
        let s = session.0.borrow();
        (Rc::new(s.scenario().clone()), Rc::new(s.user_actions().to_vec()))
    }))
    .clone();
    let set = |field: fn(&mut Form) -> &mut String| {
        let form = form.clone();
        Callback::from(move |e: Event| {
            let value = e.target_unchecked_into::<web_sys::HtmlInputElement>().value();
            let mut f = (*form).clone();
            *field(&mut f) = value;
            form.set(f);
        })
    };
    let set_select = |field: fn(&mut Form) -> &mut String| {
        let form = form.clone();
        Callback::from(move |e: Event| {
            let value = e.target_unchecked_into::<web_sys::HtmlSelectElement>().value();
            let mut f = (*form).clone();
            *field(&mut f) = value;
            form.set(f);
        })
    };
    let on_submit = {
        let (form, problem, form_open, scenario) = (form.clone(), problem.clone(), form_open.clone(), scenario.clone());
        let d = st.dispatcher();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            match variant_of(&form, &scenario) {
                Ok(v) => {
                    problem.set(None);
                    form_open.set(false);
                    d.dispatch(UiAction::Compare(CompareGesture::Open(v)));
                }
                Err(msg) => problem.set(Some(msg)),
            }
        })
    };
    let toggle_form = {
        let form_open = form_open.clone();
        Callback::from(move |_: MouseEvent| form_open.set(!*form_open))
    };
    let toggle_sweep = {
        let sweep_open = sweep_open.clone();
        Callback::from(move |_: MouseEvent| sweep_open.set(!*sweep_open))
    };
    let on_close = {
        let d = st.dispatcher();
        let link = link.clone();
        Callback::from(move |_: MouseEvent| {
            link.set(None);
            d.dispatch(UiAction::Compare(CompareGesture::Close));
        })
    };
    let on_copy = {
        let (state, link) = (st.clone(), link.clone());
        Callback::from(move |_: MouseEvent| {
            let Some(pane) = &state.compare else { return };
            let variant = pane.side.borrow().variant().clone();
            let url = crate::ui::storage::link_url(&encode_link(&SharedLink {
                session: shared_of_state(&state),
                compare: Some(variant),
                lesson: None,
            }));
            if let Some(w) = web_sys::window() {
                let _ = w.navigator().clipboard().write_text(&url);
            }
            link.set(Some(url));
        })
    };
    let on_load_seed = {
        let d = st.dispatcher();
        Callback::from(move |seed: u64| d.dispatch(UiAction::Compare(CompareGesture::LoadSeed(seed))))
    };
    let deps = deployments(&scenario);
    let f = (*form).clone();
    let chosen_gang = deps.iter().find(|(n, _)| *n == f.deployment).map(|(_, g)| *g);
    let strategies: &[&str] = match chosen_gang {
        Some(true) => &["PACK", "SPREAD"],
        Some(false) => &["PACK", "SPREAD", "STRICT_PACK", "STRICT_SPREAD"],
        None => &[],
    };
    let current = serde_json::to_value(&scenario.toggles).unwrap_or_default();
    html! {
        <section class="compare-panel" aria-labelledby="compare-title" data-testid="compare-panel">
            <h2 id="compare-title">{ "Compare" }</h2>
            <div class="compare-buttons">
                <button type="button" class={classes!((!*form_open).then_some("primary"))} onclick={toggle_form}
                    aria-expanded={form_open.to_string()} aria-controls="compare-form">{ "Compare with…" }</button>
                <button type="button" onclick={toggle_sweep} aria-expanded={sweep_open.to_string()}>{ "Many seeds…" }</button>
                if st.compare.is_some() {
                    <button type="button" onclick={on_copy} data-testid="copy-compare-link">{ "Copy comparison link" }</button>
                    <button type="button" onclick={on_close}>{ "Close comparison" }</button>
                }
            </div>
            if let Some(url) = &*link {
                <label class="share-link">{ "Comparison link " }
                    <input type="text" readonly=true value={url.clone()} data-testid="compare-link" />
                </label>
            }
            if *form_open {
                <form id="compare-form" class="compare-form" onsubmit={on_submit} aria-label="Changes for run B">
                    <p class="quiet">{ "Run B is this run with these changes, on the same clock, with the same injected faults. Leave a field blank to keep it." }</p>
                    <label>{ "Label " }<input type="text" value={f.label.clone()} onchange={set(|f| &mut f.label)} placeholder="(the changes)" /></label>
                    <label>{ "Seed " }<input type="number" min="0" value={f.seed.clone()} onchange={set(|f| &mut f.seed)}
                        placeholder={scenario.seed.to_string()} /></label>
                    <label>{ "Toggle " }
                        <select onchange={set_select(|f| &mut f.toggle)}>
                            <option value="" selected={f.toggle.is_empty()}>{ "(as is)" }</option>
                            { for toggle_options(&current).into_iter().map(|(value, text)| html! {
                                <option value={value.clone()} selected={f.toggle == value}>{ text }</option>
                            }) }
                        </select>
                    </label>
                    <label>{ "Deployment " }
                        <select onchange={set_select(|f| &mut f.deployment)}>
                            <option value="" selected={f.deployment.is_empty()}>{ "(choose)" }</option>
                            { for deps.iter().map(|(n, _)| html! { <option value={n.clone()} selected={f.deployment == *n}>{ n.clone() }</option> }) }
                        </select>
                    </label>
                    <label>{ "Strategy " }
                        <select onchange={set_select(|f| &mut f.strategy)} disabled={strategies.is_empty()}>
                            <option value="" selected={f.strategy.is_empty()}>{ "(as is)" }</option>
                            { for strategies.iter().map(|s| html! { <option value={*s} selected={f.strategy == *s}>{ *s }</option> }) }
                        </select>
                    </label>
                    <label>{ "Gang size " }<input type="number" min="1" value={f.gang_size.clone()} onchange={set(|f| &mut f.gang_size)} /></label>
                    <label>{ "num_replicas " }<input type="number" min="0" value={f.num_replicas.clone()} onchange={set(|f| &mut f.num_replicas)} /></label>
                    <label>{ "Node " }
                        <select onchange={set_select(|f| &mut f.node)}>
                            <option value="" selected={f.node.is_empty()}>{ "(as is)" }</option>
                            { for scenario.cluster.nodes.iter().map(|n| {
                                let v = format!("add:{}", n.id);
                                html! { <option value={v.clone()} selected={f.node == v}>{ format!("add a node like {}", n.id) }</option> }
                            }) }
                            { for scenario.cluster.nodes.iter().map(|n| {
                                let v = format!("remove:{}", n.id);
                                html! { <option value={v.clone()} selected={f.node == v}>{ format!("remove {}", n.id) }</option> }
                            }) }
                        </select>
                    </label>
                    if let Some(p) = &*problem {
                        <p class="share-msg bad" role="alert">{ p.clone() }</p>
                    }
                    <button type="submit" class="primary">{ "Compare" }</button>
                </form>
            }
            if *sweep_open {
                <SweepPanel scenario={scenario.clone()} actions={actions.clone()} {on_load_seed} />
            }
        </section>
    }
}
