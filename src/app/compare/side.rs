//! Run B beside the live session, on its clock and with its faults (the page's comparison).
use super::*;
use crate::model::scenario::{Action, Scenario};

/// Run B of a comparison, played beside the user's session (run A) on one clock: it follows A's scenario (the
/// variant is applied again when A's scenario or seed changes), A's user actions (those B can take; the others are
/// listed in [`CompareSide::skipped`]) and A's time (forward by playing on, backward by seeking).
pub struct CompareSide {
    variant: Variant,
    base: Scenario,
    session: crate::app::Session,
    /// The scenario's own actions the variant left out, and A's user actions B lacks the target of.
    scenario_skipped: Vec<Skipped>,
    user_skipped: Vec<Skipped>,
    /// A's user actions as last followed.
    a_actions: Vec<Action>,
}

impl CompareSide {
    /// Open variant B of session A, at A's time.
    pub fn open(a: &crate::app::Session, variant: Variant) -> Result<CompareSide, String> {
        let applied = variant.apply(a.scenario())?;
        let mut side = CompareSide {
            variant,
            base: a.scenario().clone(),
            session: crate::app::Session::new(applied.scenario),
            scenario_skipped: applied.skipped,
            user_skipped: Vec::new(),
            a_actions: Vec::new(),
        };
        side.follow(a)?;
        Ok(side)
    }

    /// Catch up with A: its scenario, user actions and time.
    pub fn follow(&mut self, a: &crate::app::Session) -> Result<(), String> {
        let mut rebuild = false;
        if a.scenario() != &self.base {
            let applied = self.variant.apply(a.scenario())?;
            self.base = a.scenario().clone();
            self.scenario_skipped = applied.skipped;
            self.session.load(applied.scenario);
            rebuild = true;
        }
        if rebuild || a.user_actions() != self.a_actions.as_slice() {
            self.a_actions = a.user_actions().to_vec();
            let (kept, skipped) = plan_actions(self.session.scenario(), &self.a_actions, &[]);
            self.user_skipped = skipped;
            let scenario = self.session.scenario().clone();
            self.session.load_with_actions(scenario, kept, a.now());
            return Ok(());
        }
        let t = a.now();
        if t > self.session.now() {
            self.session.advance_to(t);
        } else if t < self.session.now() {
            self.session.seek(t);
        }
        Ok(())
    }

    pub fn session(&self) -> &crate::app::Session {
        &self.session
    }

    pub fn variant(&self) -> &Variant {
        &self.variant
    }

    /// What B's column is called.
    pub fn label(&self) -> String {
        self.variant.label_with_seed(self.session.seed())
    }

    /// The actions B does not get (the scenario's own, then the user's).
    pub fn skipped(&self) -> Vec<Skipped> {
        self.scenario_skipped.iter().chain(&self.user_skipped).cloned().collect()
    }

    /// The difference table's job for the runs as they stand (A's scenario and user actions, and B).
    pub fn job(&self) -> CompareJob {
        let b = self.session.scenario();
        CompareJob::new(
            &run_label(&self.base),
            &self.base,
            &self.a_actions,
            &self.label(),
            b,
            &self.a_actions,
            self.scenario_skipped.clone(),
        )
    }
}
