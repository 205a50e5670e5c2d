//! The spotlight (issue 14): dims everything in the cluster pane except the highlighted elements, so a room looks
//! where the story is. It finds elements by the `data-*` attributes the cluster view already puts on them
//! (`data-node` on a card; `data-replica`, `data-gang` and `data-app-deployment` (`app/name`) on a replica; `data-pg`
//! on a bundle or a pending group; `data-gang` / `data-gang-label`, `data-app-deployment` and `data-pg` on a gang's
//! link and label) and by `data-testid` for named panels. It draws nothing itself: it writes a small style sheet, so
//! the cluster's own components are not re-rendered.
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

#[derive(Properties, PartialEq)]
pub struct SpotlightProps {
    /// Lit elements by id (the cluster view's `highlight`).
    #[prop_or_default]
    pub highlight: Rc<BTreeSet<String>>,
    /// Lit panels by `data-testid` (the lesson UI: "the timeline", "the pending tray").
    #[prop_or_default]
    pub panels: Rc<Vec<String>>,
}

/// Dims everything but the lit elements while anything is lit (a transition; none under reduced motion, in CSS).
#[component(Spotlight)]
pub fn spotlight(props: &SpotlightProps) -> Html {
    let css = use_memo((props.highlight.clone(), props.panels.clone()), |(h, p)| spotlight_css(h, p));
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
}
