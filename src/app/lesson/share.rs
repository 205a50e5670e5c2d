//! A lesson in a share link ([`LessonLink`]): the link of the step being shown, and the run a link opens.
use super::builtin::builtin_by_id;
use super::format::ScenarioSource;
use super::parse::parse_lesson;
use super::run::{LessonRun, Phase};
use crate::app::link::LessonLink;
use crate::app::session::Session;

/// The link of what `run` shows: a built-in lesson by id, an imported one inlined (its file, `source_json`).
pub fn link_of(run: &LessonRun, source_json: Option<&serde_json::Value>) -> LessonLink {
    let lesson = run.lesson();
    let builtin = builtin_by_id(&lesson.id).is_some_and(|b| b.lesson().as_ref() == Ok(lesson));
    LessonLink {
        id: builtin.then(|| lesson.id.clone()),
        inline: if builtin { None } else { source_json.cloned() },
        step: run.step(),
        revealed: matches!(run.phase(), Phase::Revealed { .. }),
    }
}

/// Open a link's lesson into `session` at its step. The error is a sentence for the page.
pub fn open(link: &LessonLink, session: &mut Session) -> Result<LessonRun, String> {
    let lesson = match (&link.id, &link.inline) {
        (Some(id), _) => builtin_by_id(id)
            .ok_or_else(|| format!("the link names a lesson \"{id}\" that this version does not have"))?
            .lesson()
            .map_err(|e| format!("the built-in lesson {id} does not load: {}", e[0]))?,
        (None, Some(v)) => parse_lesson(&v.to_string()).map_err(|errors| {
            let parts: Vec<String> = errors.iter().take(5).map(|e| e.to_string()).collect();
            format!("the lesson in the link is invalid: {}", parts.join("; "))
        })?,
        (None, None) => return Err("the link's lesson names no lesson".to_string()),
    };
    let mut run = LessonRun::start(lesson, session).map_err(|problems| {
        let parts: Vec<String> = problems.iter().take(5).map(|p| p.to_string()).collect();
        format!("the lesson is broken: {}", parts.join("; "))
    })?;
    if link.revealed {
        run.go_to_end_of(session, link.step);
    } else {
        run.go_to(session, link.step);
    }
    Ok(run)
}

/// Whether a lesson came from a preset or an inline scenario (for the page's scenario picker).
pub fn preset_of(run: &LessonRun) -> Option<&str> {
    match &run.lesson().source {
        ScenarioSource::Preset(id) => Some(id),
        ScenarioSource::Inline => None,
    }
}
