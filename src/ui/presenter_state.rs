//! Presenter mode's state (issue 14), apart from its components (`ui::presenter`) so that `ui::state` can hold it
//! without importing them (they import the state).

/// What a blanked screen shows: black (`b`, as PowerPoint) or white (`w`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Blank {
    Black,
    White,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Presenter {
    /// The projector layout is on.
    pub on: bool,
    pub blank: Option<Blank>,
    /// The rest of "what to watch" (what happens) is shown: asked for, or the run reached its end.
    pub outcome_shown: bool,
}

/// A presenter gesture (one `UiAction::Presenter`).
#[derive(Clone, Debug, PartialEq)]
pub enum PresenterAction {
    Toggle,
    Set(bool),
    /// Blank the screen, or show it again (`None`).
    Blank(Option<Blank>),
    /// Escape in presenter mode: close what is open, or else leave the mode.
    Escape,
    /// "Show what happens" in the what-to-watch box.
    ShowOutcome,
}
