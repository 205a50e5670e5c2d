//! What picking a preset would take from the user (issue 14): their own scenario (imported, opened from a file or a
//! link, or edited) or the actions they injected. Kept so that `ui::replaced_notice` can offer it back.
use crate::app::link::SharedSession;

/// The session a preset replaced.
#[derive(Clone, Debug, PartialEq)]
pub struct Replaced {
    pub name: String,
    /// What was given up, in words ("your scenario “x”", "“x” with 3 injected actions").
    pub what: String,
    pub shared: SharedSession,
}

/// What picking a preset would lose, if anything the user made: `preset_id` is empty for a scenario that is not
/// a preset; `shared` gives the session as a link would carry it (only called when something is kept).
pub fn put_aside(
    preset_id: &str,
    scenario_name: &str,
    user_actions: usize,
    shared: impl FnOnce() -> SharedSession,
) -> Option<Replaced> {
    let own = preset_id.is_empty();
    if !own && user_actions == 0 {
        return None;
    }
    let actions = match user_actions {
        0 => String::new(),
        1 => " with 1 injected action".to_string(),
        n => format!(" with {n} injected actions"),
    };
    let what = if own {
        format!("your scenario \u{201c}{scenario_name}\u{201d}{actions}")
    } else {
        format!("\u{201c}{scenario_name}\u{201d}{actions}")
    };
    Some(Replaced { name: scenario_name.to_string(), what, shared: shared() })
}
