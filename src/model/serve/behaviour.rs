//! Ray-version behaviour, resolved once: the scenario's `toggles` (strings, so that validation can name a bad
//! value and its field path) become these types when a run starts ([`Toggles::resolve`]), and the controller, the
//! driver and the checker `match` on them. The defaults are Ray 2.60's released behaviour.
//!
//! To add a toggle: a field in [`Toggles`] (scenario/mod.rs) and here, its enum below (with `ALL`, `as_str`,
//! `parse`), a line in [`Toggles::resolve`] and [`Behaviour::toggles`], [`Behaviour::all`], and the use site;
//! validation builds its allowed values from `ALL`. MODEL.md's toggles table documents each.
use crate::model::scenario::Toggles;

/// A behaviour with named values (each enum below also has these as inherent items, so callers need no import):
/// `ALL` (Ray 2.60's first), the value as the scenario file spells it, and back. Validation is written once over it.
pub trait Choice: Copy + Default + Eq + 'static {
    /// Every value, Ray 2.60's first.
    const ALL: &'static [Self];
    /// The scenario field that sets it, e.g. `gang_pg_removal`.
    const FIELD: &'static str;
    fn as_str(self) -> &'static str;
    fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.as_str() == s)
    }
    /// Every value as the file spells it.
    fn names() -> Vec<&'static str> {
        Self::ALL.iter().map(|v| v.as_str()).collect()
    }
}

macro_rules! choice {
    ($(#[$doc:meta])* $name:ident, $field:literal { $($(#[$vdoc:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name {
            #[default]
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            /// Every value, Ray 2.60's first.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The value as the scenario file spells it.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            /// The value the file spells `s`, if any.
            pub fn parse(s: &str) -> Option<$name> {
                <$name as Choice>::parse(s)
            }
        }

        impl Choice for $name {
            const ALL: &'static [Self] = $name::ALL;
            const FIELD: &'static str = $field;
            fn as_str(self) -> &'static str {
                $name::as_str(self)
            }
        }
    };
}

choice! {
    /// When a gang's placement group is removed.
    GangPgRemoval, "gang_pg_removal" {
        /// 2.60 (#66221): the gang PG goes when every member has left.
        LastMember = "last_member",
        /// Before #66221: the first member to finish stopping removes it and kills stragglers.
        FirstMember = "first_member",
    }
}

choice! {
    /// How start-up failures count towards `max_constructor_retry_count`.
    StartupFailureCounting, "startup_failure_counting" {
        /// 2.60: a gang's start-up failure counts once.
        PerGang = "per_gang",
        /// The earlier count: once per failed replica.
        PerReplica = "per_replica",
    }
}

choice! {
    /// When leaked gang placement groups are looked for.
    LeakDetection, "leak_detection" {
        /// 2.60: once, when a controller starts.
        AtControllerStart = "at_controller_start",
        /// Every control-loop tick, as Ray's docs describe it (not what 2.60's code does).
        Periodic = "periodic",
    }
}

choice! {
    /// Which replicas the callers' routers send requests to.
    GangServing, "gang_serving" {
        /// 2.60: every RUNNING (or PENDING_MIGRATION) replica, one by one, so a gang's first members serve before
        /// the last one is up (#61610 open; the gang-wide hold of #61804 was closed unmerged).
        PerReplica = "per_replica",
        /// #61804's proposal: a gang's members serve only while every member is RUNNING.
        WholeGang = "whole_gang",
    }
}

choice! {
    /// How `GangSchedulingAutoscalingPolicy` rounds a decision to whole gangs.
    AutoscalingRounding, "autoscaling_rounding" {
        /// 2.60: always up to a multiple of gang_size (0 stays 0).
        AlwaysUp = "always_up",
        /// #61467 as first merged and still documented: up when scaling up, down when scaling down (release only
        /// whole gangs).
        UpDown = "up_down",
    }
}

/// Every Ray-version switch of a run, typed. `Default` is Ray 2.60.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Behaviour {
    pub gang_pg_removal: GangPgRemoval,
    pub startup_failure_counting: StartupFailureCounting,
    /// false (2.60): the start-up sibling sweep misses PENDING_MIGRATION members (review bug on #61206).
    /// true: the "fixed" sweep that #61217 proposed.
    pub sweep_pending_migration: bool,
    /// true (2.60): every tick, a RUNNING member whose gang lists a replica the controller no longer tracks tears
    /// its gang down. false: only unhealthy members trigger RESTART_GANG.
    pub incomplete_gang_teardown: bool,
    pub leak_detection: LeakDetection,
    pub gang_serving: GangServing,
    pub autoscaling_rounding: AutoscalingRounding,
}

impl Default for Behaviour {
    fn default() -> Self {
        Behaviour {
            gang_pg_removal: GangPgRemoval::default(),
            startup_failure_counting: StartupFailureCounting::default(),
            sweep_pending_migration: false,
            incomplete_gang_teardown: true,
            leak_detection: LeakDetection::default(),
            gang_serving: GangServing::default(),
            autoscaling_rounding: AutoscalingRounding::default(),
        }
    }
}

impl Behaviour {
    /// Every combination (for tests), Ray 2.60's first.
    pub fn all() -> Vec<Behaviour> {
        let mut out = Vec::new();
        for &gang_pg_removal in GangPgRemoval::ALL {
            for &startup_failure_counting in StartupFailureCounting::ALL {
                for sweep_pending_migration in [false, true] {
                    for incomplete_gang_teardown in [true, false] {
                        for &leak_detection in LeakDetection::ALL {
                            for &gang_serving in GangServing::ALL {
                                for &autoscaling_rounding in AutoscalingRounding::ALL {
                                    out.push(Behaviour {
                                        gang_pg_removal,
                                        startup_failure_counting,
                                        sweep_pending_migration,
                                        incomplete_gang_teardown,
                                        leak_detection,
                                        gang_serving,
                                        autoscaling_rounding,
                                    });
                                }
                            }
                        }
                    }
                }
            }
        }
        out
    }

    /// The scenario's `toggles` that select this behaviour.
    pub fn toggles(&self) -> Toggles {
        Toggles {
            gang_pg_removal: self.gang_pg_removal.as_str().to_string(),
            startup_failure_counting: self.startup_failure_counting.as_str().to_string(),
            sweep_pending_migration: self.sweep_pending_migration,
            incomplete_gang_teardown: self.incomplete_gang_teardown,
            leak_detection: self.leak_detection.as_str().to_string(),
            gang_serving: self.gang_serving.as_str().to_string(),
            autoscaling_rounding: self.autoscaling_rounding.as_str().to_string(),
        }
    }
}

impl Toggles {
    /// The typed behaviour, once per run (like `TimingSpec::resolve`). Validation has refused any value not in
    /// `ALL`; were one to get through, the 2.60 default is used (a test checks that every valid value resolves).
    pub fn resolve(&self) -> Behaviour {
        Behaviour {
            gang_pg_removal: GangPgRemoval::parse(&self.gang_pg_removal).unwrap_or_default(),
            startup_failure_counting: StartupFailureCounting::parse(&self.startup_failure_counting).unwrap_or_default(),
            sweep_pending_migration: self.sweep_pending_migration,
            incomplete_gang_teardown: self.incomplete_gang_teardown,
            leak_detection: LeakDetection::parse(&self.leak_detection).unwrap_or_default(),
            gang_serving: GangServing::parse(&self.gang_serving).unwrap_or_default(),
            autoscaling_rounding: AutoscalingRounding::parse(&self.autoscaling_rounding).unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_ray_2_60_and_every_behaviour_round_trips_through_toggles() {
        assert_eq!(Toggles::default().resolve(), Behaviour::default());
        assert_eq!(Behaviour::default().toggles(), Toggles::default());
        let all = Behaviour::all();
        assert_eq!(all.len(), 128);
        assert_eq!(all[0], Behaviour::default());
        for b in all {
            assert_eq!(b.toggles().resolve(), b);
        }
    }

    #[test]
    fn each_choice_lists_its_default_first_and_parses_its_own_names() {
        fn check<C: Choice + std::fmt::Debug>() {
            assert_eq!(C::ALL[0], C::default(), "{}", C::FIELD);
            for &v in C::ALL {
                assert_eq!(C::parse(v.as_str()), Some(v));
            }
            assert_eq!(C::parse("no such value"), None);
        }
        check::<GangPgRemoval>();
        check::<StartupFailureCounting>();
        check::<LeakDetection>();
        check::<GangServing>();
        check::<AutoscalingRounding>();
    }
}
