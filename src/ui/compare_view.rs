//! The comparison on the page (issue 13): run A's cluster view (the page's own, passed as children) beside run
//! B's (the same `ClusterView`, given B's snapshot), on the one clock and scrub bar; and the difference table of
//! the two finished runs, measured a slice per frame so the page keeps drawing.
use crate::app::compare::{Comparison, run_label};
use crate::ui::cluster_view::ClusterView;
use crate::ui::state::{ComparePane, SessionCell, Target};
use crate::ui::sweep_panel::{SliceLoop, WAKEUPS_PER_CALL};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct CompareClustersProps {
    /// Run A's cluster view.
    pub children: Html,
    pub pane: Option<ComparePane>,
    /// Run A's label.
    pub label_a: String,
}

/// Without a comparison, just run A's view; with one, A and B side by side (stacked on a phone).
#[component(CompareClusters)]
pub fn compare_clusters(props: &CompareClustersProps) -> Html {
    // B's gang colours by the page's rule (`app::gang_colours`), read from B's events as they arrive.
    let colours = use_mut_ref(crate::app::gang_colours::GangColours::default);
    let hues = use_memo(props.pane.as_ref().map(|p| Rc::as_ptr(&p.snapshot)), {
        let pane = props.pane.clone();
        move |_| {
            let Some(pane) = pane else { return Rc::new(BTreeMap::new()) };
            let mut c = colours.borrow_mut();
            c.update(pane.side.borrow().session().events());
            Rc::new(c.hues().clone())
        }
    });
    let noop_target = use_callback((), |_: Target, _| {});
    let noop_event = use_callback((), |_: u64, _| {});
    let Some(pane) = &props.pane else { return props.children.clone() };
    html! {
        <div class="compare-pair" data-testid="compare-pair">
            <section class="compare-run" aria-label={format!("Run A: {}", props.label_a)}>
                <h3 class="compare-run-title"><span class="run-tag">{ "A" }</span>{ props.label_a.clone() }</h3>
                { props.children.clone() }
            </section>
            <section class="compare-run" aria-label={format!("Run B: {}", pane.label)} data-testid="compare-run-b">
                <h3 class="compare-run-title"><span class="run-tag b">{ "B" }</span>{ pane.label.clone() }</h3>
                <ClusterView snapshot={pane.snapshot.clone()} gang_hues={(*hues).clone()}
                    on_target={noop_target} on_select_event={noop_event} />
            </section>
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct CompareTableProps {
    pub pane: Option<ComparePane>,
    /// Run A (its scenario and user actions are read when the table is measured).
    pub session: SessionCell,
    /// Changes when A's actions or scenario may have: the table is measured again.
    pub user_actions: usize,
    pub seed: u64,
}

/// Where the table stands.
#[derive(Clone, PartialEq)]
enum Table {
    Measuring(f64),
    Ready(Rc<Comparison>),
}

/// The difference table of the two finished runs (a real table: metric, A, B, B − A, better), measured again
/// whenever A's scenario, seed or actions change, and the actions B does not get.
#[component(CompareTable)]
pub fn compare_table(props: &CompareTableProps) -> Html {
    let table = use_state(|| Table::Measuring(0.0));
    let running: Rc<RefCell<Option<SliceLoop>>> = use_mut_ref(|| None);
    let key = props.pane.as_ref().map(|p| {
        let a = props.session.0.borrow();
        (Rc::as_ptr(&p.side) as usize, p.label.clone(), props.seed, props.user_actions, a.user_actions().to_vec())
    });
    {
        let (table, running, pane) = (table.clone(), running.clone(), props.pane.clone());
        use_effect_with(key, move |_| {
            running.borrow_mut().take();
            if let Some(pane) = pane {
                table.set(Table::Measuring(0.0));
                let job = Rc::new(RefCell::new(Some(pane.side.borrow().job())));
                let result: Rc<RefCell<Option<Comparison>>> = Rc::new(RefCell::new(None));
                let (j1, r1) = (job.clone(), result.clone());
                let step = move || {
                    let mut slot = j1.borrow_mut();
                    let Some(job) = slot.as_mut() else { return true };
                    if job.step(WAKEUPS_PER_CALL) {
                        *r1.borrow_mut() = slot.take().map(|j| j.finish());
                        return true;
                    }
                    false
                };
                let t2 = table.clone();
                let on_frame = move |done: bool| {
                    if done {
                        if let Some(c) = result.borrow_mut().take() {
                            t2.set(Table::Ready(Rc::new(c)));
                        }
                    } else if let Some(j) = job.borrow().as_ref() {
                        t2.set(Table::Measuring(j.progress()));
                    }
                };
                *running.borrow_mut() = Some(SliceLoop::start(step, on_frame));
            }
            move || drop(running.borrow_mut().take())
        });
    }
    let Some(pane) = &props.pane else { return html! {} };
    let label_a = run_label(props.session.0.borrow().scenario());
    html! {
        <section class="compare-table-wrap" aria-labelledby="compare-table-title" data-testid="compare-table">
            <h2 id="compare-table-title">{ "Difference" }</h2>
            { match &*table {
                Table::Measuring(f) => html! {
                    <p role="status" class="quiet">{ format!("Measuring both runs to their ends… {:.0} %", f * 100.0) }</p>
                },
                Table::Ready(c) => table_view(c),
            } }
            if !pane.skipped.is_empty() && !matches!(&*table, Table::Ready(_)) {
                <p class="quiet">{ format!("{} action(s) skipped in B.", pane.skipped.len()) }</p>
            }
            <p class="quiet compare-note">{ format!("A: {label_a}. B: {}. Both run to their end; “better” is the lower figure (HEALTHY over the rest for statuses).", pane.label) }</p>
        </section>
    }
}

fn table_view(c: &Comparison) -> Html {
    html! {
        <>
            <table class="compare-table">
                <caption>{ format!("Run A ({}) against run B ({}), each to its end", c.label_a, c.label_b) }</caption>
                <thead>
                    <tr>
                        <th scope="col">{ "Metric" }</th>
                        <th scope="col">{ "A" }</th>
                        <th scope="col">{ "B" }</th>
                        <th scope="col">{ "B − A" }</th>
                        <th scope="col">{ "Better" }</th>
                    </tr>
                </thead>
                <tbody>
                    { for c.rows.iter().map(|r| html! {
                        <tr class={classes!(format!("better-{}", r.better.as_str()))}>
                            <th scope="row">{ r.metric.clone() }</th>
                            <td data-label="A">{ r.a.clone() }</td>
                            <td data-label="B">{ r.b.clone() }</td>
                            <td data-label="B − A">{ r.difference.clone() }</td>
                            <td data-label="Better">{ r.better.as_str() }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
            if !c.skipped_in_b.is_empty() {
                <div class="compare-skipped" data-testid="compare-skipped">
                    <h3>{ "Skipped in B" }</h3>
                    <ul>
                        { for c.skipped_in_b.iter().map(|s| html! {
                            <li>{ format!("at {} s: {}: {}", s.at_s, s.action, s.why) }</li>
                        }) }
                    </ul>
                </div>
            }
        </>
    }
}
