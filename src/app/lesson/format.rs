//! The file's own types for `gangplank.lesson/v1` (see `docs/lesson-format.md`).
//!
//! Read with serde (every struct denies unknown fields, so a typo is named with its path); what serde cannot check
//! (known event kinds, references to the scenario's deployments, operators) is checked by `parse.rs`.
use crate::model::scenario::{ActionKind, Scenario};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A lesson: a scenario and the ordered steps that walk a class through it.
#[derive(Clone, Debug, PartialEq)]
pub struct Lesson {
    pub id: String,
    pub title: String,
    /// One or two sentences for the lesson picker.
    pub summary: String,
    /// Where the scenario came from (a preset's id, or inline).
    pub source: ScenarioSource,
    /// The scenario itself, validated (for a preset: the preset's).
    pub scenario: Scenario,
    pub steps: Vec<Step>,
}

/// How a lesson names its scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScenarioSource {
    /// `"scenario": {"preset": "<id>"}`: a preset of `app::presets`.
    Preset(String),
    /// `"scenario": {...}`: a whole scenario in the public format.
    Inline,
}

/// One step: what to say, where to run to, what to point at, and maybe a fault to inject and a question to ask.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub title: String,
    /// The Markdown subset of `narration.rs`.
    pub narration: String,
    pub run_to: RunTo,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub highlight: Vec<Selector>,
    /// A scenario action (an `actions[]` entry of the scenario format without `at_s`), injected when the step
    /// starts. `parse.rs` checks it with the scenario loader first, so its errors keep their field paths.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<ActionKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub question: Option<Question>,
}

/// Where a step runs to.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub enum RunTo {
    /// An absolute simulated time, in seconds.
    #[serde(rename = "t_s")]
    At(f64),
    /// This many simulated seconds after the step starts.
    #[serde(rename = "for_s")]
    For(f64),
    /// Until the next event of this kind whose fields match (at most to the scenario's `until_s`).
    #[serde(rename = "event")]
    Event(EventMatch),
}

/// An event kind (`EventKind::name()`) and field values its JSON must have.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EventMatch {
    pub kind: String,
    /// Field → value; an event matches when each field of its JSON equals the value (for an array field: contains
    /// it).
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub matching: Map<String, Value>,
}

/// A deployment of the scenario.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DeploymentSel {
    pub app: String,
    pub deployment: String,
}

/// The `index`-th live gang of a deployment (by `position`, oldest first).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GangSel {
    pub app: String,
    pub deployment: String,
    #[serde(default)]
    pub index: u32,
}

/// A replica by gang position and rank (gang deployments), or by position alone (`rank` left out).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ReplicaSel {
    pub app: String,
    pub deployment: String,
    #[serde(default)]
    pub gang_index: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rank: Option<u32>,
}

/// What a step points at, resolved against the run when the step is shown.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Selector {
    Node(String),
    /// `app/deployment`, the id the cluster view uses for a deployment.
    Deployment(DeploymentSel),
    Gang(GangSel),
    Replica(ReplicaSel),
    /// The placement group of a gang.
    Pg(GangSel),
    /// What the step's last event of this kind touches (`EventKind::touches`).
    Event(String),
    Panel(Panel),
}

/// A named part of the page (the UI maps each to an element).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Panel {
    Timeline,
    Status,
    Log,
    Pending,
    Controller,
}

impl Panel {
    pub const ALL: [Panel; 5] = [Panel::Timeline, Panel::Status, Panel::Log, Panel::Pending, Panel::Controller];

    pub fn name(self) -> &'static str {
        match self {
            Panel::Timeline => "timeline",
            Panel::Status => "status",
            Panel::Log => "log",
            Panel::Pending => "pending",
            Panel::Controller => "controller",
        }
    }
}

/// A multiple-choice question asked before the run continues; the model decides which option is right.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    pub prompt: String,
    pub options: Vec<QuestionOption>,
    /// Narration shown after the reveal.
    #[serde(default)]
    pub explain: String,
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct QuestionOption {
    pub text: String,
    /// True of the run at the reveal for exactly one option.
    pub holds: Predicate,
}

/// A comparison of a count with `n`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub enum Op {
    #[serde(rename = "==")]
    Eq,
    #[serde(rename = "!=")]
    Ne,
    #[serde(rename = ">=")]
    Ge,
    #[serde(rename = "<=")]
    Le,
    #[serde(rename = ">")]
    Gt,
    #[serde(rename = "<")]
    Lt,
}

impl Op {
    pub fn holds(self, value: u64, n: u64) -> bool {
        match self {
            Op::Eq => value == n,
            Op::Ne => value != n,
            Op::Ge => value >= n,
            Op::Le => value <= n,
            Op::Gt => value > n,
            Op::Lt => value < n,
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            Op::Eq => "==",
            Op::Ne => "!=",
            Op::Ge => ">=",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Lt => "<",
        }
    }
}

fn default_op() -> Op {
    Op::Eq
}

/// What must be true of the run at the reveal. Events are those recorded between the question and the reveal;
/// "before" is the run when the question was asked, "after" the run at the reveal.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Predicate {
    /// Events of a kind (matching fields) since the question.
    Count(CountPred),
    /// Replicas of a deployment (in a state) at the reveal.
    Replicas(ReplicasPred),
    /// A deployment's status at the reveal.
    DeploymentStatus(StatusPred),
    /// Distinct nodes under a live gang's bundles at the reveal (1: packed on one node).
    GangNodes(GangNodesPred),
    /// The gang at `index` when the question was asked still has every member RUNNING at the reveal.
    SameGangSurvives(GangSel),
    /// Placement groups (of a deployment, in a state) at the reveal.
    Pgs(PgsPred),
    /// A deployment's target number of replicas at the reveal.
    TargetReplicas(TargetPred),
    All(Vec<Predicate>),
    Any(Vec<Predicate>),
    Not(Box<Predicate>),
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CountPred {
    pub kind: String,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub matching: Map<String, Value>,
    #[serde(default = "default_op")]
    pub op: Op,
    pub n: u64,
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ReplicasPred {
    pub app: String,
    pub deployment: String,
    /// A replica state (`RUNNING`, `STARTING`, ...); left out: every replica the controller tracks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default = "default_op")]
    pub op: Op,
    pub n: u64,
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct StatusPred {
    pub app: String,
    pub deployment: String,
    /// `HEALTHY`, `UPDATING`, `UNHEALTHY`, `DEPLOY_FAILED`, `UPSCALING`, `DOWNSCALING`.
    pub status: String,
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GangNodesPred {
    pub app: String,
    pub deployment: String,
    #[serde(default)]
    pub index: u32,
    #[serde(default = "default_op")]
    pub op: Op,
    pub distinct: u64,
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PgsPred {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment: Option<String>,
    /// `CREATED`, `PENDING`, `RESCHEDULING`, `REMOVED`; left out: any state but REMOVED.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default = "default_op")]
    pub op: Op,
    pub n: u64,
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TargetPred {
    pub app: String,
    pub deployment: String,
    #[serde(default = "default_op")]
    pub op: Op,
    pub n: u64,
}
