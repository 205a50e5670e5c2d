//! The spotlight (issue 14): dims everything in the cluster pane except the highlighted elements, so a room looks
//! where the story is. It finds elements by the `data-*` attributes the cluster view already puts on them
//! (`data-node` on a card; `data-replica`, `data-gang` and `data-app-deployment` (`app/name`) on a replica; `data-pg`
//! on a bundle or a pending group; `data-gang` / `data-gang-label`, `data-app-deployment` and `data-pg` on a gang's
//! link and label) and by `data-testid` for named panels. It draws nothing itself: it writes a small style sheet, so
//! the cluster's own components are not re-rendered.
use crate::model::events::Event;
use crate::model::time::SimTime;
use std::collections::BTreeSet;
use std::rc::Rc;
use yew::prelude::*;

/// An attribute value as a CSS string (ids are the model's, but a user's scenario can name a node anything).
fn css_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            // Line breaks and other control characters cannot appear raw in a CSS string.
            c if c.is_control() => out.push_str(&format!("\\{:x} ", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The style sheet for a spotlight on `ids` (replicas, gangs, placement groups, nodes: the same set the cluster view
/// gets as `highlight`) and `panels` (`data-testid`s of whole panels). Empty when nothing is lit: the spotlight is
/// off. Everything is scoped to `.cluster-pane`.
pub fn spotlight_css(ids: &BTreeSet<String>, panels: &[String]) -> String {
    if ids.is_empty() && panels.is_empty() {
        return String::new();
    }
    let values: Vec<String> = ids.iter().map(|i| css_string(i)).collect();
    let lit_in_card: Vec<String> = values
        .iter()
        .flat_map(|v| {
            [
                format!("[data-replica={v}]"),
                format!("[data-gang={v}]"),
                format!("[data-pg={v}]"),
                format!("[data-app-deployment={v}]"),
            ]
        })
        .collect();
    let mut lit_cards: Vec<String> = values.iter().map(|v| format!("[data-node={v}]")).collect();
    lit_cards.extend(lit_in_card.iter().cloned());
    let lit_links: Vec<String> = values
        .iter()
        .flat_map(|v| {
            [
                format!("[data-gang={v}]"),
                format!("[data-gang-label={v}]"),
                format!("[data-app-deployment={v}]"),
                format!("[data-pg={v}]"),
            ]
        })
        .collect();
    let panel_sel: Vec<String> = panels.iter().map(|p| format!("[data-testid={}]", css_string(p))).collect();
    let p = ".app .cluster-pane";
    let mut css = String::new();
    // Dim: whole cards, the gang links and labels, pending groups, and the slots inside a card.
    css.push_str(&format!(
        "{p} .card-fo, {p} .gang-links [data-gang], {p} [data-gang-label], {p} .pending-pg, \
         {p} .card-fo [data-slot] {{ opacity: var(--spot-dim); }}\n"
    ));
    if !lit_cards.is_empty() {
        css.push_str(&format!("{p} .card-fo:has({}) {{ opacity: 1; }}\n", lit_cards.join(", ")));
        css.push_str(&format!(
            "{p} .card-fo [data-slot]:has({}), {p} :is({}) {{ opacity: 1; }}\n",
            lit_in_card.join(", "),
            lit_links.join(", ")
        ));
        // A lit node is lit whole.
        let nodes: Vec<String> = values.iter().map(|v| format!("[data-node={v}]")).collect();
        css.push_str(&format!("{p} .card-fo:has({}) [data-slot] {{ opacity: 1; }}\n", nodes.join(", ")));
        // A pending group is lit by its name, or by its gang (the tray marks it `hl`).
        let mut pending: Vec<String> = values.iter().map(|v| format!(".pending-pg[data-pg={v}]")).collect();
        pending.push(".pending-pg.hl".into());
        css.push_str(&format!("{p} :is({}) {{ opacity: 1; }}\n", pending.join(", ")));
    }
    if !panel_sel.is_empty() {
        // A named panel is lit whole; the other blocks of the pane are dimmed.
        css.push_str(&format!("{p} > :not({}) {{ opacity: var(--spot-dim); }}\n", panel_sel.join(", ")));
        css.push_str(&format!("{p} > :is({}) * {{ opacity: 1; }}\n", panel_sel.join(", ")));
    }
    css
}

/// How far back from the clock [`narrated_event`] looks for the event the narration reads.
const NARRATION_LOOKBACK: usize = 4_096;

/// The event the narration line reads (free presenter mode): the one its text was made from
/// (`live_region::narration_line`, which `UiState::refresh` writes), else (the line says something else: "Jumped to
/// …") the latest event at or before `now` that is narrated at all, the loudest of its instant
/// (`live_region::announce_priority`).
pub fn narrated_event<'a>(events: &'a [Event], now: SimTime, narration: &str) -> Option<&'a Event> {
    let upto = events.partition_point(|e| e.t <= now);
    let loud = |e: &&Event| crate::ui::live_region::announce_priority(&e.kind) > 0;
    let recent = || events[..upto].iter().rev().take(NARRATION_LOOKBACK).filter(loud);
    if let Some(e) = recent().find(|e| narration == crate::ui::live_region::narration_line(e)) {
        return Some(e);
    }
    let latest = recent().next()?.t;
    recent().take_while(|e| e.t == latest).max_by_key(|e| (crate::ui::live_region::announce_priority(&e.kind), e.seq))
}

/// What the spotlight lights in free presenter mode: the selected event's elements (`selected`) and those of the
/// event the narration reads, so that it never dims what the narration names.
pub fn narrated_highlight(selected: &BTreeSet<String>, narrated: Option<&Event>) -> BTreeSet<String> {
    let mut lit = selected.clone();
    lit.extend(narrated.map(|e| e.kind.touches()).unwrap_or_default());
    lit
}

/// The narration line a free presenter-mode spotlight follows (no lesson open: a lesson's step lights its own).
#[derive(Clone, PartialEq)]
pub struct Narration {
    pub session: crate::ui::state::SessionCell,
    /// The session's event count and clock: the narrated event is looked up again when they change.
    pub events_total: usize,
    pub now: SimTime,
    /// The line's text (`UiState::announcement`).
    pub text: String,
}

#[derive(Properties, PartialEq)]
pub struct SpotlightProps {
    /// Lit elements by id (the cluster view's `highlight`).
    #[prop_or_default]
    pub highlight: Rc<BTreeSet<String>>,
    /// Lit panels by `data-testid` (the lesson UI: "the timeline", "the pending tray").
    #[prop_or_default]
    pub panels: Rc<Vec<String>>,
    /// Free presenter mode: also light what the narration line talks about.
    #[prop_or_default]
    pub narration: Option<Narration>,
}

/// Dims everything but the lit elements while anything is lit (a transition; none under reduced motion, in CSS).
#[component(Spotlight)]
pub fn spotlight(props: &SpotlightProps) -> Html {
    let lit = use_memo((props.highlight.clone(), props.narration.clone()), |(h, n)| match n {
        Some(n) => {
            let session = n.session.0.borrow();
            Rc::new(narrated_highlight(h, narrated_event(session.events(), n.now, &n.text)))
        }
        None => h.clone(),
    });
    let css = use_memo(((*lit).clone(), props.panels.clone()), |(h, p)| spotlight_css(h, p));
    // A constructed sheet, not a <style> element: the page's Content-Security-Policy refuses inline style.
    html! { <crate::ui::cssom::ComputedStyle css={AttrValue::from((*css).clone())} /> }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(ids: &[&str]) -> BTreeSet<String> {
        ids.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn off_when_nothing_is_lit() {
        assert_eq!(spotlight_css(&BTreeSet::new(), &[]), "");
    }

    #[test]
    fn lights_the_cards_holding_a_lit_element_and_the_elements_themselves() {
        let css = spotlight_css(&set(&["r1", "w2"]), &[]);
        assert!(css.contains(".card-fo:has([data-node=\"r1\"], [data-node=\"w2\"], [data-replica=\"r1\"]"), "{css}");
        assert!(css.contains("[data-gang-label=\"w2\"]"), "{css}");
        assert!(css.contains(".pending-pg[data-pg=\"r1\"]"), "{css}");
        assert!(css.contains(".pending-pg.hl"), "a pending group of a lit gang is lit: {css}");
        assert!(css.contains("opacity: var(--spot-dim)"), "{css}");
    }

    #[test]
    fn odd_ids_cannot_break_out_of_the_selector() {
        let css = spotlight_css(&set(&["a\"] * { display: none } [x=\"", "b\\c", "d\ne"]), &[]);
        assert!(css.contains(r#"[data-node="a\"] * { display: none } [x=\""]"#), "{css}");
        assert!(css.contains(r#"[data-node="b\\c"]"#), "{css}");
        assert!(css.contains(r#"[data-node="d\a e"]"#), "{css}");
    }

    #[test]
    fn a_named_panel_dims_the_rest_of_the_pane() {
        let css = spotlight_css(&BTreeSet::new(), &["timeline".to_string()]);
        assert!(css.contains("> :not([data-testid=\"timeline\"])"), "{css}");
    }

    #[test]
    fn free_presenter_mode_lights_what_the_narration_reads_as_well_as_the_selection() {
        let st = crate::ui::state::UiState::for_preset("replica-crash");
        st.session.0.borrow_mut().advance_to(SimTime::from_secs_f64(20.0));
        let session = st.session.0.borrow();
        let (events, now) = (session.events(), session.now());
        let loud = |e: &&Event| crate::ui::live_region::announce_priority(&e.kind) > 0;
        // The line made from an earlier event (what refresh wrote when it happened): that event, not the latest.
        let teardown = events.iter().find(|e| matches!(e.kind, crate::model::events::EventKind::GangTeardown { .. }));
        let teardown = teardown.expect("replica-crash tears a gang down by 20 s");
        let line = crate::ui::live_region::narration_line(teardown);
        assert_eq!(narrated_event(events, now, &line).map(|e| e.seq), Some(teardown.seq));
        // A line that is not an event's: the latest narrated event at or before now.
        let latest = events.iter().filter(|e| e.t <= now).filter(loud).map(|e| e.t).max().expect("events");
        let got = narrated_event(events, now, "Jumped to 0:20.").expect("a narrated event");
        assert_eq!(got.t, latest);
        assert!(teardown.t < latest, "the line read is not simply the latest event");
        // The selection stays lit, and the narrated event's elements join it.
        let lit = narrated_highlight(&set(&["w9"]), Some(teardown));
        assert!(lit.contains("w9"));
        assert!(teardown.kind.touches().iter().all(|id| lit.contains(id)) && !teardown.kind.touches().is_empty());
    }
}
