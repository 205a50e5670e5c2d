//! The lesson's step card (issue 14): progress, the step's title and narration (drawn node by node from the
//! engine's AST, never as HTML text), the question with its options as buttons, then the reveal (the model's
//! answer marked, the user's choice marked right or wrong, the explanation), and Back / Next / Leave.
use crate::app::lesson::{Block, Inline, Panel, Phase, StepView};
use crate::ui::lesson_state::{LessonAction, LessonProblems, OpenLesson, panel_words};
use std::rc::Rc;
use yew::prelude::*;

fn inline(runs: &[Inline]) -> Html {
    runs.iter()
        .map(|r| match r {
            Inline::Text(t) => html! { { t.clone() } },
            Inline::Bold(t) => html! { <strong>{ t.clone() }</strong> },
            Inline::Em(t) => html! { <em>{ t.clone() }</em> },
            Inline::Code(t) => html! { <code>{ t.clone() }</code> },
        })
        .collect()
}

/// Narration blocks as paragraphs (line breaks kept) and lists.
pub fn narration(blocks: &[Block]) -> Html {
    blocks
        .iter()
        .map(|b| match b {
            Block::Paragraph { lines } => html! {
                <p>{ for lines.iter().enumerate().map(|(i, l)| html! { <>{ if i > 0 { html! { <br /> } } else { html! {} } }{ inline(l) }</> }) }</p>
            },
            Block::List { items } => html! { <ul>{ for items.iter().map(|l| html! { <li>{ inline(l) }</li> }) }</ul> },
        })
        .collect()
}

/// The newest events up to now, as the card shows them in presenter mode when a step names the event log.
#[derive(Properties, PartialEq)]
pub struct RecentEventsProps {
    pub log: Rc<Vec<crate::model::events::Event>>,
}

#[component(RecentEvents)]
pub fn recent_events(props: &RecentEventsProps) -> Html {
    html! {
        <div class="lesson-recent" data-testid="lesson-recent">
            <p class="lesson-recent-title">{ "What happened last" }</p>
            <ol>
                { for props.log.iter().take(4).map(|e| html! {
                    <li><span class="lesson-recent-t">{ format!("{:.1} s", e.t.as_secs_f64()) }</span>{ " " }{ e.reason.clone() }</li>
                }) }
            </ol>
        </div>
    }
}

/// The narration as one line of text with its styles (the presenter's narration bar).
pub fn narration_line(view: &StepView) -> Html {
    let runs: Vec<Html> = view
        .narration
        .iter()
        .flat_map(|b| match b {
            Block::Paragraph { lines } => lines.clone(),
            Block::List { items } => items.clone(),
        })
        .map(|l| html! { <>{ inline(&l) }{ " " }</> })
        .collect();
    // "Why?" stays "Why?", "A title" becomes "A title." before the narration.
    let stop = if view.title.ends_with(['.', '?', '!', ':']) { " " } else { ". " };
    html! {
        <span class="lesson-line" data-testid="lesson-narration-line">
            <strong class="lesson-line-title">{ format!("{}{stop}", view.title) }</strong>{ for runs }
        </span>
    }
}

#[derive(Properties, PartialEq)]
pub struct LessonPanelProps {
    pub open: Rc<OpenLesson>,
    pub on_action: Callback<LessonAction>,
    /// Presenter mode: the card stands beside the cluster (the narration bar shows only the start of the narration:
    /// the card has all of it).
    #[prop_or_default]
    pub presenting: bool,
    /// In presenter mode, the named side panels (hidden there) drawn inside the card.
    #[prop_or_default]
    pub children: Html,
}

#[component(LessonPanel)]
pub fn lesson_panel(props: &LessonPanelProps) -> Html {
    let v = &props.open.view;
    let revealing = props.open.revealing;
    let act = |a: LessonAction| props.on_action.reform(move |_: MouseEvent| a.clone());
    let asking = v.question.as_ref().is_some_and(|q| q.phase == Phase::Asking);
    let question = v.question.as_ref().map(|q| {
        // While the reveal plays, the answer is not shown yet.
        let phase = if revealing.is_some() { Phase::Asking } else { q.phase };
        let options = q.options.iter().enumerate().map(|(i, text)| {
            let (correct, chosen) = match phase {
                Phase::Revealed { correct, chosen } => (Some(correct), chosen),
                _ => (None, None),
            };
            let is_correct = correct == Some(i);
            let is_chosen = chosen == Some(i);
            let mark = match (is_correct, is_chosen) {
                (true, true) => "\u{2713} Your answer: right, the model did this",
                (true, false) => "\u{2713} The model's answer",
                (false, true) => "\u{2717} Your answer",
                (false, false) => "",
            };
            let cls = classes!(
                "lesson-option",
                is_correct.then_some("correct"),
                (is_chosen && !is_correct).then_some("wrong"),
                is_chosen.then_some("chosen"),
            );
            let key = if i < 9 { format!("{}", i + 1) } else { String::new() };
            let label = if mark.is_empty() { format!("{key}. {text}") } else { format!("{key}. {text}. {mark}") };
            html! {
                <li>
                    <button type="button" class={cls} disabled={!asking || revealing.is_some()}
                        onclick={act(LessonAction::Answer(i))} aria-label={label} data-testid="lesson-option"
                        data-correct={is_correct.to_string()} data-chosen={is_chosen.to_string()}
                        aria-keyshortcuts={(i < 4).then(|| key.clone())}>
                        <span class="opt-key" aria-hidden="true">{ key.clone() }</span>
                        <span class="opt-text">{ text.clone() }</span>
                        if !mark.is_empty() { <span class="opt-mark" data-testid="lesson-mark">{ mark }</span> }
                    </button>
                </li>
            }
        });
        let verdict = match phase {
            Phase::Revealed { correct, chosen } => Some(match chosen {
                Some(c) if c == correct => "Right: the model did what you predicted.".to_string(),
                Some(_) => format!("Not this time: the model did option {}.", correct + 1),
                None => format!("The model's answer: option {}.", correct + 1),
            }),
            _ => None,
        };
        html! {
            <div class="lesson-question" role="group" aria-labelledby="lesson-prompt" data-testid="lesson-question">
                <p class="lesson-prompt" id="lesson-prompt">{ q.prompt.clone() }</p>
                <ol class="lesson-options">{ for options }</ol>
                if let Some((_, to)) = revealing {
                    <p class="lesson-running" role="status" data-testid="lesson-running">
                        { format!("Running to {:.1} s\u{2026}", to.as_secs_f64()) }
                    </p>
                } else if let Some(verdict) = verdict {
                    <div class="lesson-reveal" role="status" data-testid="lesson-reveal">
                        <p class="lesson-verdict"><strong>{ verdict }</strong></p>
                        { narration(&q.explain) }
                    </div>
                } else {
                    <p class="lesson-hint">{ "Predict first: pick an answer (keys 1\u{2013}4), or press Next to just see." }</p>
                }
            </div>
        }
    });
    // In presenter mode a panel drawn in the card would push the options below its fold while the question is
    // asked: the panel waits for the answer (the line says so), and the options stay in view.
    // (The card draws the status panel and the event log; the others stay where they are.)
    let in_card = |p: &Panel| matches!(p, Panel::Status | Panel::Log);
    let held = props.presenting && asking && revealing.is_none() && v.panels.iter().any(in_card);
    let look = (!v.panels.is_empty()).then(|| {
        let words = |keep: &dyn Fn(&Panel) -> bool| {
            v.panels.iter().filter(|p| keep(p)).map(|p| panel_words(*p)).collect::<Vec<_>>().join(" and ")
        };
        let text = match (held, words(&|p| !in_card(p))) {
            (false, _) => format!("Look at {}.", words(&|_| true)),
            (true, now) if now.is_empty() => format!("Look at {} once you have answered.", words(&in_card)),
            (true, now) => format!("Look at {now}; at {} once you have answered.", words(&in_card)),
        };
        html! { <p class="lesson-look" data-testid="lesson-look" data-held={held.then_some("true")}>{ text }</p> }
    });
    let next_label = if revealing.is_some() {
        "Skip to the answer"
    } else if asking {
        "Just show me \u{2192}"
    } else if v.is_last {
        "Finish the lesson"
    } else {
        "Next \u{2192}"
    };
    let next = if v.is_last && !asking && revealing.is_none() { LessonAction::Leave } else { LessonAction::Next };
    html! {
        <section class={classes!("lesson-panel", props.presenting.then_some("presenting"))}
            aria-labelledby="lesson-step-title" data-testid="lesson-panel" data-step={v.index.to_string()}>
            <p class="lesson-progress" data-testid="lesson-progress">
                <span class="lesson-name">{ props.open.run.lesson().title.clone() }</span>
                <span class="lesson-count">{ format!("Step {} of {}", v.index + 1, v.count) }</span>
            </p>
            <h2 id="lesson-step-title" class="lesson-title">{ v.title.clone() }</h2>
            <div class="lesson-narration" data-testid="lesson-narration">{ narration(&v.narration) }</div>
            { look.unwrap_or_default() }
            if !held { { props.children.clone() } }
            { question.unwrap_or_default() }
            <div class="lesson-nav">
                <button type="button" onclick={act(LessonAction::Previous)} disabled={v.index == 0}
                    data-testid="lesson-back" aria-keyshortcuts="PageUp">{ "\u{2190} Back" }</button>
                <button type="button" class="primary" onclick={act(next)} data-testid="lesson-next"
                    aria-keyshortcuts="PageDown">{ next_label }</button>
                <button type="button" class="lesson-leave" onclick={act(LessonAction::Leave)} data-testid="lesson-leave"
                    title="Back to free play at this moment">{ "Leave lesson" }</button>
            </div>
        </section>
    }
}

#[derive(Properties, PartialEq)]
pub struct LessonProblemsNoticeProps {
    pub problems: Rc<LessonProblems>,
    pub on_action: Callback<LessonAction>,
}

/// Why a lesson could not be opened, each problem with its field path; the session is kept.
#[component(LessonProblemsNotice)]
pub fn lesson_problems_notice(props: &LessonProblemsNoticeProps) -> Html {
    let p = &props.problems;
    let dismiss = props.on_action.reform(|_: MouseEvent| LessonAction::DismissProblems);
    html! {
        <div class="lesson-problems error-banner" role="alert" data-testid="lesson-problems">
            <p><strong>{ p.headline.clone() }</strong></p>
            if !p.items.is_empty() {
                <ul>
                    { for p.items.iter().map(|(path, message)| html! {
                        <li data-testid="lesson-problem">
                            if !path.is_empty() { <code class="lesson-path">{ path.clone() }</code>{ ": " } }
                            { message.clone() }
                        </li>
                    }) }
                </ul>
            }
            <button type="button" onclick={dismiss} data-testid="lesson-problems-dismiss">{ "Dismiss" }</button>
        </div>
    }
}
