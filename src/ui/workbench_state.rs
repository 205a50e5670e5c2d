//! The design-review workbench's state (issue 13): which of its panels is open, what the last import gave, the
//! setup before each applied edit (for "Undo edit") and the injected actions an edit could not carry over.
//!
//! Pure: the reducer (`state.rs`) calls [`import`] and [`apply_edit`] and opens the session they describe; the
//! components only draw [`Workbench`] and dispatch [`WorkbenchAction`]s.
use crate::app::config_import::{self, Note, NoteKind};
use crate::app::edit::carry_actions;
use crate::app::import::{Imported, base_scenario, shared_of};
use crate::app::link::SharedSession;
use crate::app::presets::preset_by_id;
use crate::app::session::Session;
use crate::model::scenario::{Action, Scenario};
use serde_json::Value;
use std::rc::Rc;

/// The workbench's panels (at most one is open).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Panel {
    /// "Import your Ray config": file picker, paste boxes, and the outcome of the last import.
    Import,
    /// The notes of the current scenario's import (not simulated / ignored by Ray / assumed).
    Notes,
    /// "Edit setup": the cluster, the applications, the toggles and the timing.
    Editor,
}

/// What the last import gave, as the dialog shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportOutcome {
    pub ok: bool,
    /// What was imported, or how many problems there are.
    pub headline: String,
    /// One line per problem, as `file:line:column: path: message`.
    pub problems: Vec<String>,
    pub notes: Vec<Note>,
}

/// The setup before an applied edit: what "Undo edit" opens again.
#[derive(Clone, Debug, PartialEq)]
pub struct Previous {
    pub shared: SharedSession,
    pub name: String,
    /// The setup before that one (undo goes back edit by edit).
    pub before: Option<Rc<Previous>>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Workbench {
    pub panel: Option<Panel>,
    pub import: Option<Rc<ImportOutcome>>,
    pub undo: Option<Rc<Previous>>,
    /// The user's actions the last applied edit dropped, each with the edited scenario's reason.
    pub dropped: Rc<Vec<(Action, String)>>,
    /// What the last applied edit (or its undo) did, for the bar.
    pub message: Option<String>,
    /// Ray config files waiting for the importer worker (`import_worker::ImportRunner` sends them).
    pub pending: Option<Rc<ImportRequest>>,
}

/// Ray config files to import over `base`, sent to the importer worker; `id` matches its answer to the request.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportRequest {
    pub id: u64,
    pub files: Vec<(String, String)>,
    pub base: Scenario,
}

pub enum WorkbenchAction {
    Show(Option<Panel>),
    /// Files read as (name, text), or why they could not be read. Imported over the current scenario: Gangplank
    /// files at once, Ray configs by the importer worker (its answer comes back as [`WorkbenchAction::Imported`]).
    Import(Result<Vec<(String, String)>, String>),
    /// The importer worker's answer to the pending request `id`.
    Imported {
        id: u64,
        names: Vec<String>,
        result: Result<Imported, String>,
    },
    /// Start a new run of the edited scenario, carrying the user's actions over where they still apply.
    Apply(Box<Scenario>),
    UndoEdit,
}

/// What opening a shared session needs: preset id (or ""), base scenario, the description.
pub type Opening = (String, Scenario, SharedSession);

fn opening(shared: SharedSession) -> Result<Opening, String> {
    let scenario = base_scenario(&shared)?;
    let preset_id = shared.preset.clone().filter(|p| preset_by_id(p).is_some()).unwrap_or_default();
    Ok((preset_id, scenario, shared))
}

/// What an import gave (`names`: the files), as the session to open and the outcome; Err: the outcome to show
/// (the session stays as it is). The import itself ran before: [`crate::app::import::import_gangplank`] for
/// Gangplank files, the importer worker (`import_files`) for Ray configs.
pub fn import(names: &[String], got: Result<Imported, String>) -> Result<(Opening, ImportOutcome), ImportOutcome> {
    let refused = |message: String| {
        let mut lines = message.lines().map(str::to_string);
        let first = lines.next().unwrap_or_default();
        let problems: Vec<String> = lines.filter(|l| !l.trim().is_empty()).collect();
        let headline = if problems.is_empty() {
            "Import refused. Your session is unchanged.".to_string()
        } else {
            format!("Import refused: {}. Your session is unchanged.", first.trim_end_matches(':'))
        };
        let problems = if problems.is_empty() { vec![first] } else { problems };
        ImportOutcome { ok: false, headline, problems, notes: Vec::new() }
    };
    let got = got.map_err(refused)?;
    let names: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
    let (preset_id, scenario, shared) = opening(got.session).map_err(refused)?;
    let summary = scenario
        .x
        .as_ref()
        .and_then(|x| x.pointer("/imported/sources"))
        .and_then(Value::as_array)
        .map(|s| s.iter().filter_map(Value::as_str).collect::<Vec<_>>().join("; "))
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| format!("the {} {}", got.kind, names.join(", ")));
    let outcome = ImportOutcome {
        ok: true,
        headline: format!("Imported {summary}. A new run starts at 0 s."),
        problems: Vec::new(),
        notes: got.notes,
    };
    Ok(((preset_id, scenario, shared), outcome))
}

/// What applying an edit gives: the session to open, the setup before, the actions dropped with their reasons.
pub type Applied = (Opening, Previous, Vec<(Action, String)>);

/// A new run of `edited` with the user's actions carried over, the view at the same moment. Returns what to open,
/// the setup to go back to, and the actions dropped with their reasons.
pub fn apply_edit(
    session: &Session,
    preset_id: &str,
    view: Value,
    edited: Scenario,
    before: Option<Rc<Previous>>,
) -> Result<Applied, String> {
    let previous = shared_of(session, preset_id, Some(view.clone()));
    let carried = carry_actions(&edited, session.user_actions());
    let mut shared = shared_of(&Session::new(edited), "", Some(view));
    shared.actions = carried.kept;
    shared.cursor_s = previous.cursor_s;
    let open = opening(shared)?;
    let prev = Previous { shared: previous, name: session.scenario().name.clone(), before };
    Ok((open, prev, carried.dropped))
}

/// The sentence the bar shows after an edit is applied.
pub fn applied_message(kept: usize, dropped: usize) -> String {
    match (kept, dropped) {
        (0, 0) => "Edit applied: a new run of the edited setup.".to_string(),
        (k, 0) => format!("Edit applied: a new run, your {k} injected action{} carried over.", plural(k)),
        (k, d) => format!(
            "Edit applied: a new run; {k} of your injected actions carried over, {d} dropped (they no longer apply)."
        ),
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The notes by kind, in the order the panel shows them (kinds without notes left out).
pub fn notes_by_kind(notes: &[Note]) -> Vec<(NoteKind, Vec<&Note>)> {
    [NoteKind::IgnoredByRay, NoteKind::NotSimulated, NoteKind::Assumption]
        .into_iter()
        .map(|k| (k, notes.iter().filter(|n| n.kind == k).collect::<Vec<_>>()))
        .filter(|(_, v)| !v.is_empty())
        .collect()
}

/// The notes of the current scenario's import (kept in the scenario, so a reload or a link keeps them too).
pub fn current_notes(scenario: &Scenario) -> Vec<Note> {
    config_import::imported_notes(scenario)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::scenario::ActionKind;
    use crate::model::time::SimTime;

    fn fixture(name: &str) -> (String, String) {
        let path = format!("{}/tests/config_import/{name}", env!("CARGO_MANIFEST_DIR"));
        (name.to_string(), std::fs::read_to_string(path).unwrap())
    }

    fn base() -> Scenario {
        preset_by_id("replica-crash").unwrap().scenario().unwrap()
    }

    /// What the page does: the importer worker's `import_files`, then `import` of its answer.
    fn import_over(files: Vec<(String, String)>, base: &Scenario) -> Result<(Opening, ImportOutcome), ImportOutcome> {
        let names: Vec<String> = files.iter().map(|(n, _)| n.clone()).collect();
        let reply = crate::app::import::worker_reply(&crate::app::import::worker_request(files, Some(base.clone())));
        import(&names, crate::app::import::read_worker_reply(&reply))
    }

    #[test]
    fn an_import_of_a_serve_config_and_a_cluster_opens_a_scenario_with_its_notes() {
        let files = vec![fixture("serve-gangs.yaml"), fixture("raycluster-gpu.yaml")];
        let ((preset, scenario, shared), outcome) = import_over(files, &base()).unwrap();
        assert!(preset.is_empty() && shared.scenario.is_some());
        assert!(outcome.ok && outcome.headline.contains("RayCluster gpu-cluster"), "{}", outcome.headline);
        let by_kind = notes_by_kind(&outcome.notes);
        assert_eq!(by_kind[0].0, NoteKind::IgnoredByRay);
        assert!(by_kind[0].1.iter().any(|n| n.text.contains("did you mean `num_replicas`")));
        assert_eq!(current_notes(&scenario), outcome.notes);
    }

    #[test]
    fn a_refused_import_lists_every_problem_with_its_line_and_column() {
        let files = vec![fixture("bad-gang.yaml")];
        let outcome = import_over(files, &base()).unwrap_err();
        assert!(!outcome.ok && outcome.headline.contains("unchanged"), "{}", outcome.headline);
        assert!(
            outcome.problems.iter().any(|p| p.starts_with("bad-gang.yaml:")
                && p.contains("num_replicas (3) must be a multiple of gang_size (2).")),
            "{:?}",
            outcome.problems
        );
        let outcome = import(&[], Err("\"x.yaml\" is empty.".into())).unwrap_err();
        assert_eq!(outcome.problems, vec!["\"x.yaml\" is empty.".to_string()]);
    }

    #[test]
    fn an_applied_edit_carries_actions_over_and_remembers_the_setup_before() {
        let mut s = Session::new(base());
        s.advance_to(SimTime::from_secs_f64(4.0));
        s.inject(ActionKind::KillController {});
        let node = s.scenario().cluster.nodes[0].id.clone();
        s.inject(ActionKind::KillNode { node: node.clone() });
        s.advance_to(SimTime::from_secs_f64(6.0));
        let mut edited = s.scenario().clone();
        edited.cluster.nodes.remove(0);
        let ((preset, scenario, shared), prev, dropped) =
            apply_edit(&s, "replica-crash", serde_json::json!({}), edited.clone(), None).unwrap();
        assert_eq!((preset.as_str(), scenario), ("", edited));
        assert_eq!(shared.actions.len(), 1);
        assert_eq!(shared.cursor_s, 6.0);
        assert_eq!(dropped.len(), 1);
        assert!(dropped[0].1.contains(&node), "{}", dropped[0].1);
        assert_eq!(prev.shared.preset.as_deref(), Some("replica-crash"));
        assert_eq!(prev.shared.actions.len(), 2);
        assert_eq!(
            applied_message(1, 1),
            "Edit applied: a new run; 1 of your injected actions carried over, 1 dropped (they no longer apply)."
        );
    }
}
