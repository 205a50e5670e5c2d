//! Hovering (or focusing) something highlights its chain (issue 13): a replica token, a bundle slot or an event-log
//! row lights up its gang, its placement group and bundles, the event that last changed it and the fault that
//! started that, without opening the placement panel. The chain is computed once, when the hover starts; the state
//! keeps it beside the selection's highlight, which comes back when the pointer (or focus) leaves.
use crate::model::events::Event;
use crate::model::snapshot::Snapshot;
use crate::ui::placement_panel::PlacementChain;
use std::collections::BTreeSet;
use std::rc::Rc;
use yew::prelude::*;

/// What the pointer or the keyboard focus is on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Hovered {
    /// A replica token (by replica id).
    Replica(String),
    /// A bundle slot, or anything else that stands for a placement group (by PG name).
    Pg(String),
    /// An event-log row (by event seq).
    Event(u64),
}

/// A hover and what it lights up.
#[derive(Clone, Debug, PartialEq)]
pub struct Hover {
    pub subject: Hovered,
    pub highlight: Rc<BTreeSet<String>>,
    pub chain: Rc<PlacementChain>,
}

/// The gestures the cluster view and the event log offer for the main run (a context given by the app, so that
/// run B's cluster in a comparison, which has none, cannot explain or highlight run A's objects).
#[derive(Clone, PartialEq)]
pub struct Gestures {
    /// The pointer or focus entered something (`Some`) or left it (`None`).
    pub on_hover: Callback<Option<Hovered>>,
    /// Explain a placement group (by name): a bundle slot's click or Enter.
    pub on_explain: Callback<String>,
}

/// The event with sequence number `seq` (in seq order; the log keeps only the newest, so not from 0; a scan
/// for other lists).
pub fn event_by_seq(events: &[Event], seq: u64) -> Option<&Event> {
    events
        .binary_search_by_key(&seq, |e| e.seq)
        .ok()
        .map(|i| &events[i])
        .or_else(|| events.iter().find(|e| e.seq == seq))
}

/// The chain that ends at `last`: `last` and its causes, followed to the first (usually the fault).
pub fn chain_from(events: &[Event], last: &Event) -> PlacementChain {
    let mut seqs = BTreeSet::from([last.seq]);
    let mut origin = None;
    let mut at = last;
    while let Some(c) = at.cause.and_then(|seq| event_by_seq(events, seq)) {
        if !seqs.insert(c.seq) {
            break;
        }
        origin = Some(c);
        at = c;
    }
    PlacementChain { last: Some(last.clone()), origin: origin.cloned(), seqs }
}

/// The newest event that touched `id`, and its chain (empty if nothing touched it).
pub fn chain_of_id(events: &[Event], id: &str) -> PlacementChain {
    events
        .iter()
        .rev()
        .find(|e| e.kind.touches().iter().any(|t| t == id))
        .map(|last| chain_from(events, last))
        .unwrap_or_default()
}

/// What a replica or a placement group lights up, given its chain: itself, its gang (every member), its placement
/// group (its bundles' slots and its tray entry) and the replicas in that group, and what the fault that started
/// its chain touched (`replica` says which of the two `id` is).
pub fn subject_highlight(snap: &Snapshot, id: &str, replica: bool, chain: &PlacementChain) -> BTreeSet<String> {
    let mut ids = BTreeSet::from([id.to_string()]);
    let pg_name = if replica {
        let r = snap.replicas.iter().find(|r| r.id == id);
        ids.extend(r.and_then(|r| r.gang_context.as_ref()).map(|g| g.gang_id.clone()));
        r.and_then(|r| r.pg_name.clone())
    } else {
        Some(id.to_string())
    };
    if let Some(pg) = pg_name.as_ref().and_then(|n| snap.placement_groups.iter().find(|p| p.name == *n)) {
        ids.insert(pg.name.clone());
        ids.extend(pg.gang_id.clone());
        ids.extend(pg.bundles.iter().filter_map(|b| b.replica.clone()));
    }
    if let Some(origin) = chain.origin.as_ref().or(chain.last.as_ref()) {
        ids.extend(origin.kind.touches());
    }
    ids
}

/// The chain and highlight of `subject` in this run, computed now (once per hover: a scan back through the events
/// for a replica or a group, a walk up the causes for an event).
pub fn hover_of(snap: &Snapshot, events: &[Event], subject: Hovered) -> Hover {
    let (chain, highlight) = match &subject {
        Hovered::Replica(id) | Hovered::Pg(id) => {
            let chain = chain_of_id(events, id);
            let highlight = subject_highlight(snap, id, matches!(subject, Hovered::Replica(_)), &chain);
            (chain, highlight)
        }
        Hovered::Event(seq) => match event_by_seq(events, *seq) {
            Some(e) => {
                let chain = chain_from(events, e);
                // What the event and every event of its chain touched (the fault's node, the gang it tore down...).
                let ids = chain.seqs.iter().filter_map(|s| event_by_seq(events, *s)).flat_map(|c| c.kind.touches());
                let ids: BTreeSet<String> = ids.collect();
                (chain, ids)
            }
            None => (PlacementChain::default(), BTreeSet::new()),
        },
    };
    Hover { subject, highlight: Rc::new(highlight), chain: Rc::new(chain) }
}

/// `onmouseenter`, `onmouseleave`, `onfocus` and `onblur` handlers that report `subject` to `on_hover` (nothing
/// when there is no `on_hover`). Enter and leave do not bubble, so a token inside a card reports only itself.
pub struct HoverHandlers {
    pub enter: Option<Callback<MouseEvent>>,
    pub leave: Option<Callback<MouseEvent>>,
    pub focus: Option<Callback<FocusEvent>>,
    pub blur: Option<Callback<FocusEvent>>,
}

pub fn hover_handlers(on_hover: Option<&Callback<Option<Hovered>>>, subject: Hovered) -> HoverHandlers {
    match on_hover {
        None => HoverHandlers { enter: None, leave: None, focus: None, blur: None },
        Some(cb) => {
            let s = subject.clone();
            HoverHandlers {
                enter: Some(cb.reform(move |_: MouseEvent| Some(s.clone()))),
                leave: Some(cb.reform(|_: MouseEvent| None)),
                focus: Some(cb.reform(move |_: FocusEvent| Some(subject.clone()))),
                blur: Some(cb.reform(|_: FocusEvent| None)),
            }
        }
    }
}
