//! Replica load gauges, in a layer of their own over the cluster: a thin bar left of each replica the routers send
//! to, filled to requests in flight / `max_ongoing_requests`.
//!
//! The model spreads a deployment's requests evenly over its routable replicas (Serve's routing keeps them evenly
//! loaded), so every gauge of a deployment shows one level. Each deployment's gauges are therefore two `<path>`s
//! (the tracks, and the fills at its level) in this small layer: a change of load rewrites one attribute, no node
//! card or token is re-rendered, and the big cluster SVG (~20,000 shapes, which Chromium repaints whole) is not
//! touched.
use crate::model::snapshot::Snapshot;
use std::collections::BTreeMap;
use yew::prelude::*;

/// The level is shown in tenths (3 px of the 30 px gauge): the layer is repainted whole when a fill changes, so
/// a small move of the flow must redraw nothing.
const STEPS: f64 = 10.0;
/// The gauge's width and its offset left of the token's centre, in scene units.
const W: f64 = 4.0;
const LEFT: f64 = 11.0;

/// One deployment's gauges.
#[derive(Clone, Debug, PartialEq)]
pub struct DeploymentGauges {
    /// `app/deployment`.
    pub key: String,
    /// Token centres of its routable replicas.
    pub at: Vec<(f64, f64)>,
    /// In flight per replica / max_ongoing_requests, in tenths.
    pub level: f64,
}

/// The gauges of a snapshot: per deployment with traffic, the routable replicas drawn in a card, and the level.
pub fn gauges(snap: &Snapshot, centres: &BTreeMap<String, (f64, f64)>) -> Vec<DeploymentGauges> {
    let mut out: Vec<DeploymentGauges> = snap
        .deployments
        .iter()
        .filter(|d| d.traffic.is_some())
        .map(|d| DeploymentGauges { key: format!("{}/{}", d.app, d.name), at: Vec::new(), level: 0.0 })
        .collect();
    let with_traffic: Vec<(&str, &str)> =
        snap.deployments.iter().filter(|d| d.traffic.is_some()).map(|d| (d.app.as_str(), d.name.as_str())).collect();
    for r in snap.replicas.iter().filter(|r| r.ongoing.is_some()) {
        let i = with_traffic.iter().position(|(a, d)| *a == r.app && *d == r.deployment);
        if let (Some(i), Some(c)) = (i, centres.get(&r.id)) {
            // Every routable replica of a deployment holds the same share: its level is the deployment's.
            out[i].level = (level(r.ongoing.unwrap_or(0.0), r.max_ongoing) * STEPS).round() / STEPS;
            out[i].at.push(*c);
        }
    }
    out.retain(|g| !g.at.is_empty());
    out
}

/// In flight / max, from 0 to 1.
pub fn level(ongoing: f32, max: u32) -> f64 {
    if max == 0 || !ongoing.is_finite() { 0.0 } else { (ongoing as f64 / max as f64).clamp(0.0, 1.0) }
}

/// One rectangle per gauge, `fill` of its height from the bottom, as one path.
fn rects(at: &[(f64, f64)], fill: f64) -> String {
    let r = crate::ui::layout::TOKEN_R;
    let h = 2.0 * r * fill;
    let mut d = String::with_capacity(at.len() * 32);
    for (cx, cy) in at {
        let (x, bottom) = (cx - r - LEFT, cy + r);
        d.push_str(&format!("M{x:.1} {:.1}h{W}v{h:.2}h-{W}z", bottom - h));
    }
    d
}

#[derive(Properties, PartialEq)]
pub struct LoadLayerProps {
    pub gauges: Vec<DeploymentGauges>,
    pub viewbox: String,
}

#[derive(Properties, PartialEq)]
struct TracksProps {
    at: Vec<(f64, f64)>,
}

/// A deployment's tracks: re-rendered only when its routable replicas or their positions change.
#[component(Tracks)]
fn tracks(props: &TracksProps) -> Html {
    html! { <path class="load-track" d={rects(&props.at, 1.0)} /> }
}

#[component(LoadLayer)]
pub fn load_layer(props: &LoadLayerProps) -> Html {
    if props.gauges.is_empty() {
        return html! {};
    }
    html! {
        <svg class="cluster-load" viewBox={props.viewbox.clone()} preserveAspectRatio="xMinYMin meet"
            aria-hidden="true" data-testid="load-layer">
            { for props.gauges.iter().map(|g| {
                let tone = if g.level >= 0.999 { "full" } else if g.level >= 0.8 { "high" } else { "ok" };
                html! {
                    <g key={g.key.clone()} class={classes!("load", tone)} data-load-deployment={g.key.clone()}
                        data-level={format!("{:.3}", g.level)} data-gauges={g.at.len().to_string()}>
                        <Tracks at={g.at.clone()} />
                        <path class="load-fill" d={rects(&g.at, g.level)} />
                    </g>
                }
            }) }
        </svg>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_are_in_flight_over_max_clamped() {
        assert_eq!(level(2.5, 5), 0.5);
        assert_eq!(level(7.0, 5), 1.0);
        assert_eq!(level(1.0, 0), 0.0);
        assert_eq!(level(f32::NAN, 5), 0.0);
    }
}
