//! "Set traffic" in a deployment's action panel: a constant load in requests per second, applied as a
//! `set_traffic` action at the current simulated time.
use crate::model::scenario::{ActionKind, DeploymentRef, LoadComponent};
use crate::ui::chart_series::fmt_num;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// The highest rate the form accepts (the scenario format's limit).
pub const MAX_RPS: f64 = 10_000_000.0;

/// What the form says when the field is not a rate it can send.
pub const RPS_RULE: &str = "Requests per second is a number from 0 to 10,000,000.";

/// The rate typed in the field, if it is one: a finite number from 0 to [`MAX_RPS`].
pub fn parse_rps(text: &str) -> Option<f64> {
    text.trim().parse::<f64>().ok().filter(|v| v.is_finite() && (0.0..=MAX_RPS).contains(v))
}

/// The `set_traffic` action for a constant load of `rps` (the service time stays as it was).
pub fn constant_load(deployment: DeploymentRef, rps: f64) -> ActionKind {
    ActionKind::SetTraffic {
        deployment,
        load: vec![LoadComponent { shape: "constant".into(), rps: Some(rps), ..Default::default() }],
        service_time_s: None,
    }
}

#[derive(Properties, PartialEq)]
pub struct SetTrafficFormProps {
    pub deployment: DeploymentRef,
    /// The offered rate now, the field's first value (`None`: no traffic yet).
    pub offered_rps: Option<f32>,
    /// The deployment is being deleted: nothing to send to.
    #[prop_or_default]
    pub disabled: bool,
    pub on_inject: Callback<ActionKind>,
}

#[component(SetTrafficForm)]
pub fn set_traffic_form(props: &SetTrafficFormProps) -> Html {
    let first = props.offered_rps.map(|r| fmt_num(r as f64)).unwrap_or_else(|| "10".to_string());
    let text = use_state(move || first);
    let oninput = {
        let text = text.clone();
        Callback::from(move |e: InputEvent| {
            let v = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()).map(|i| i.value());
            text.set(v.unwrap_or_default())
        })
    };
    let rps = parse_rps(&text);
    let kind = rps.filter(|_| !props.disabled).map(|r| constant_load(props.deployment.clone(), r));
    let onclick = {
        let cb = props.on_inject.clone();
        let kind = kind.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(k) = kind.clone() {
                cb.emit(k)
            }
        })
    };
    let now = props.offered_rps.map(|r| format!("now {} req/s offered", fmt_num(r as f64)));
    html! {
        <fieldset class="set-traffic">
            <legend>{ "Traffic" }</legend>
            <label><span>{ "requests/s" }</span>
                <input type="number" min="0" max="10000000" step="any" value={(*text).clone()} {oninput}
                    aria-invalid={rps.is_none().then_some("true")} aria-describedby="rps-rule" data-testid="traffic-rps" />
            </label>
            if rps.is_none() {
                <p class="form-error" id="rps-rule" data-testid="traffic-rps-error">{ RPS_RULE }</p>
            }
            <button type="button" class="act" data-testid="set-traffic" disabled={kind.is_none()} {onclick}>
                { match rps { Some(r) => format!("Set traffic to {} req/s", fmt_num(r)), None => "Set traffic".to_string() } }
            </button>
            <p class="quiet">
                { "A constant load from now on, sent through the deployment's handles; each request keeps its service time." }
                if let Some(n) = now { { format!(" ({n}.)") } }
            </p>
        </fieldset>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rate_is_a_finite_number_from_zero_to_ten_million() {
        assert_eq!(parse_rps(" 16 "), Some(16.0));
        assert_eq!(parse_rps("0"), Some(0.0));
        assert_eq!(parse_rps("2.5"), Some(2.5));
        assert_eq!(parse_rps("10000000"), Some(MAX_RPS));
        for bad in ["", "-1", "1e8", "NaN", "inf", "lots"] {
            assert_eq!(parse_rps(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_action_is_a_constant_load_and_keeps_the_service_time() {
        let dref = DeploymentRef { app: "llm".into(), deployment: "Model".into() };
        let ActionKind::SetTraffic { deployment, load, service_time_s } = constant_load(dref.clone(), 12.0) else {
            panic!("not a SetTraffic");
        };
        assert_eq!(deployment, dref);
        assert_eq!(load, vec![LoadComponent { shape: "constant".into(), rps: Some(12.0), ..Default::default() }]);
        assert!(service_time_s.is_none());
    }
}
