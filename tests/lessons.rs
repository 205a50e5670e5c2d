//! Lessons (`app::lesson`, issue 14): every built-in lesson plays to its end with each question answered by the
//! model; a step reached directly looks exactly like the same step reached by stepping; bad lesson files are
//! refused with the field path of each problem; broken lessons (zero or two options holding, an event that never
//! comes, a highlight that names nothing) are reported naming the step.
use gangplank::app::Session;
use gangplank::app::lesson::{
    BUILTIN, Block, LessonRun, Phase, Plan, builtin_by_id, import, link_of, looks_like_lesson, narration, open_link,
};
use gangplank::model::scenario::ScenarioError;

fn builtin(id: &str) -> gangplank::app::lesson::Lesson {
    builtin_by_id(id).unwrap_or_else(|| panic!("no lesson {id}")).lesson().unwrap()
}

fn session() -> Session {
    Session::new(gangplank::app::presets::PRESETS[0].scenario().unwrap())
}

/// A small valid lesson on the replica-crash preset; tests replace parts of it.
fn lesson_json() -> serde_json::Value {
    serde_json::json!({
        "format": "gangplank.lesson/v1",
        "id": "test-lesson",
        "title": "A test lesson",
        "summary": "One question about a crash.",
        "scenario": { "preset": "replica-crash" },
        "steps": [
            { "title": "Before", "narration": "Two gangs run.", "run_to": { "t_s": 9.9 },
              "highlight": [{ "node": "w1" }, { "panel": "status" }] },
            { "title": "Crash", "narration": "Rank 0 dies.",
              "run_to": { "event": { "kind": "gang_teardown", "matching": { "teardown_cause": "actor_crashed" } } },
              "highlight": [{ "event": "gang_teardown" }],
              "question": { "prompt": "What goes?", "options": [
                  { "text": "the whole gang", "holds": { "count": { "kind": "gang_teardown", "op": "==", "n": 1 } } },
                  { "text": "nothing", "holds": { "count": { "kind": "gang_teardown", "op": "==", "n": 0 } } }
              ], "explain": "RESTART_GANG." } },
            { "title": "After", "narration": "A new gang.", "run_to": { "for_s": 3 } }
        ]
    })
}

fn errors_of(v: &serde_json::Value) -> Vec<ScenarioError> {
    import(&v.to_string()).expect_err("the lesson should be refused")
}

fn paths(errors: &[ScenarioError]) -> Vec<&str> {
    errors.iter().map(|e| e.path.as_str()).collect()
}

#[test]
fn the_ten_builtin_lessons_come_in_the_issues_order_and_parse() {
    let ids: Vec<&str> = BUILTIN.iter().map(|b| b.id).collect();
    assert_eq!(
        ids,
        [
            "what-is-a-gang",
            "pack-vs-spread",
            "restart-gang",
            "startup-failures",
            "node-dies",
            "controller-dies",
            "scaling-whole-gangs",
            "rolling-upgrade",
            "node-drain",
            "autoscaling-gangs"
        ]
    );
    let mut with_two_questions = 0;
    for b in BUILTIN {
        assert!(looks_like_lesson(b.json), "{}", b.id);
        let l = b.lesson().unwrap_or_else(|e| panic!("{}: {e:?}", b.id));
        assert_eq!(l.id, b.id, "the file's id is its name");
        assert!((6..=12).contains(&l.steps.len()), "{}: {} steps", b.id, l.steps.len());
        let questions = l.steps.iter().filter(|s| s.question.is_some()).count();
        assert!(questions >= 1, "{} asks nothing", b.id);
        if questions >= 2 {
            with_two_questions += 1;
        }
        for s in &l.steps {
            let words = narration::plain(&narration::parse(&s.narration));
            assert!(!words.is_empty() && words.len() < 600, "{} / {}: narration is short", b.id, s.title);
        }
    }
    assert!(with_two_questions >= 8, "most lessons ask at least two questions");
}

#[test]
fn every_builtin_lesson_plays_to_its_end_with_every_question_answered_by_the_model() {
    for b in BUILTIN {
        let lesson = b.lesson().unwrap();
        let plan = Plan::of(&lesson).unwrap_or_else(|p| panic!("{} is broken: {p:?}", b.id));
        assert_eq!(plan.steps.len(), lesson.steps.len());
        for (i, (step, p)) in lesson.steps.iter().zip(&plan.steps).enumerate() {
            assert!(p.start <= p.end, "{} step {i} goes back in time", b.id);
            if let Some(q) = &step.question {
                let held = p.verdicts.iter().filter(|v| v.holds).count();
                assert_eq!(held, 1, "{} step {i}: {:?}", b.id, p.verdicts);
                assert_eq!(p.verdicts.len(), q.options.len());
                assert!(p.correct().is_some());
            }
        }
        // Walk it as the page does: next() reveals a question, next() again moves on.
        let mut s = session();
        let mut run = LessonRun::start(lesson.clone(), &mut s).unwrap();
        let mut moves = 0;
        while run.next(&mut s) {
            moves += 1;
            assert_eq!(s.now(), run.moment(), "{}: the session shows the step's moment", b.id);
            assert!(moves < 100);
        }
        let questions = lesson.steps.iter().filter(|s| s.question.is_some()).count();
        assert_eq!(moves, lesson.steps.len() - 1 + questions, "{}", b.id);
        let view = run.view(&s);
        assert!(view.is_last);
        assert_eq!(run.progress(), (lesson.steps.len(), lesson.steps.len()));
        assert!(s.violations().is_empty(), "{}: {:?}", b.id, s.violations());
    }
}

#[test]
fn a_step_reached_directly_looks_exactly_like_the_same_step_reached_by_stepping() {
    for id in ["restart-gang", "controller-dies", "rolling-upgrade"] {
        let lesson = builtin(id);
        let mut s = session();
        let mut run = LessonRun::start(lesson.clone(), &mut s).unwrap();
        let mut seen = vec![(run.step(), run.phase(), s.snapshot(), s.events().to_vec())];
        while run.next(&mut s) {
            seen.push((run.step(), run.phase(), s.snapshot(), s.events().to_vec()));
        }
        // Jump to each step in a fresh session (a link to step i), and back-step from the end.
        for (step, phase, snapshot, events) in &seen {
            let mut fresh = session();
            let mut direct = LessonRun::start(lesson.clone(), &mut fresh).unwrap();
            match phase {
                Phase::Revealed { .. } => direct.go_to_end_of(&mut fresh, *step),
                _ => direct.go_to(&mut fresh, *step),
            }
            assert_eq!(direct.phase(), *phase, "{id} step {step}");
            assert_eq!(&fresh.snapshot(), snapshot, "{id} step {step} {phase:?}");
            assert_eq!(fresh.events(), events.as_slice(), "{id} step {step} {phase:?}");
        }
        for (step, phase, snapshot, _) in seen.iter().rev().skip(1) {
            if matches!(phase, Phase::Asking) {
                continue; // previous() shows a step at its end
            }
            assert!(run.previous(&mut s) || *step == run.step());
            assert_eq!(run.step(), *step);
            assert_eq!(&s.snapshot(), snapshot, "{id}: back to step {step}");
        }
    }
}

#[test]
fn asking_shows_nothing_of_the_future_and_answering_reveals_the_models_answer() {
    let lesson = builtin("restart-gang");
    let q = lesson.steps.iter().position(|s| s.question.is_some()).unwrap();
    let mut s = session();
    let mut run = LessonRun::start(lesson.clone(), &mut s).unwrap();
    run.go_to(&mut s, q);
    assert_eq!(run.phase(), Phase::Asking);
    let asking = run.view(&s);
    let question = asking.question.as_ref().unwrap();
    assert_eq!(question.phase, Phase::Asking);
    assert!(question.explain.is_empty(), "the explanation waits for the reveal");
    assert_eq!(s.now(), run.plan().steps[q].start);
    assert!(s.events().iter().all(|e| e.kind.name() != "gang_teardown"), "no teardown before the reveal");
    run.answer(&mut s, 1); // a wrong answer
    let Phase::Revealed { correct, chosen } = run.phase() else { panic!("revealed") };
    assert_eq!((correct, chosen), (0, Some(1)));
    let revealed = run.view(&s);
    assert!(!revealed.question.unwrap().explain.is_empty());
    assert!(!revealed.highlight.is_empty(), "the teardown's gang and replicas are highlighted");
    assert!(s.events().iter().any(|e| e.kind.name() == "gang_teardown"));
    // Going back and forth keeps the answer given.
    run.next(&mut s);
    run.previous(&mut s);
    assert_eq!(run.phase(), Phase::Revealed { correct: 0, chosen: Some(1) });
}

#[test]
fn the_view_resolves_highlights_to_the_ids_of_the_run_and_names_panels() {
    let lesson = import(&lesson_json().to_string()).unwrap();
    let mut s = session();
    let run = LessonRun::start(lesson, &mut s).unwrap();
    let view = run.view(&s);
    assert_eq!(view.title, "Before");
    assert_eq!(view.highlight, vec!["w1".to_string()]);
    assert_eq!(view.panels, vec![gangplank::app::lesson::Panel::Status]);
    assert!(matches!(&view.narration[..], [Block::Paragraph { .. }]));
    assert_eq!((view.index, view.count, view.is_last), (0, 3, false));
    // A session changed behind the lesson's back (a user action) is put back on the next move.
    s.inject(gangplank::model::scenario::ActionKind::KillController {});
    let mut run = run;
    run.go_to(&mut s, 0);
    assert!(s.user_actions().is_empty());
}

#[test]
fn a_question_where_no_option_or_two_options_hold_is_a_broken_lesson() {
    let mut v = lesson_json();
    v["steps"][1]["question"]["options"][1]["holds"] =
        serde_json::json!({ "count": { "kind": "gang_teardown", "op": ">=", "n": 1 } });
    let problems = Plan::of(&import(&v.to_string()).unwrap()).unwrap_err();
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].step, Some(1));
    assert_eq!(problems[0].path, "steps[1].question.options");
    assert!(problems[0].message.contains("options[0] and options[1]"), "{}", problems[0].message);

    let mut v = lesson_json();
    v["steps"][1]["question"]["options"][0]["holds"] =
        serde_json::json!({ "count": { "kind": "gang_teardown", "op": "==", "n": 2 } });
    let problems = Plan::of(&import(&v.to_string()).unwrap()).unwrap_err();
    assert!(problems[0].message.contains("none did"), "{}", problems[0].message);
    assert!(problems[0].message.contains("step 2 \"Crash\""), "{}", problems[0].message);
    let mut s = session();
    assert!(LessonRun::start(import(&v.to_string()).unwrap(), &mut s).is_err());
}

#[test]
fn predicates_that_do_not_hold_are_false_with_a_reason() {
    // Each option below is false of the run; `not` of it must be the one that holds.
    for holds in [
        serde_json::json!({ "replicas": { "app": "app", "deployment": "G", "state": "RUNNING", "op": "==", "n": 4 } }),
        serde_json::json!({ "deployment_status": { "app": "app", "deployment": "G", "status": "HEALTHY" } }),
        serde_json::json!({ "gang_nodes": { "app": "app", "deployment": "G", "index": 5, "distinct": 1 } }),
        serde_json::json!({ "same_gang_survives": { "app": "app", "deployment": "G", "index": 0 } }),
        serde_json::json!({ "pgs": { "app": "app", "deployment": "G", "state": "PENDING", "op": ">=", "n": 1 } }),
        serde_json::json!({ "target_replicas": { "app": "app", "deployment": "G", "op": "!=", "n": 4 } }),
        serde_json::json!({ "all": [{ "count": { "kind": "gang_teardown", "n": 1 } }, { "count": { "kind": "node", "n": 1 } }] }),
        serde_json::json!({ "any": [{ "count": { "kind": "autoscale", "op": ">", "n": 0 } }] }),
    ] {
        let mut v = lesson_json();
        v["steps"][1]["question"]["options"] = serde_json::json!([
            { "text": "false", "holds": holds.clone() },
            { "text": "not false", "holds": { "not": holds.clone() } }
        ]);
        let lesson = import(&v.to_string()).unwrap_or_else(|e| panic!("{holds}: {e:?}"));
        let plan = Plan::of(&lesson).unwrap_or_else(|p| panic!("{holds}: {p:?}"));
        let verdict = &plan.steps[1].verdicts[0];
        assert!(!verdict.holds, "{holds} should be false: {}", verdict.reason);
        assert!(!verdict.reason.is_empty());
        assert_eq!(plan.steps[1].correct(), Some(1));
    }
}

#[test]
fn an_event_that_never_comes_and_a_highlight_of_nothing_are_reported_by_step() {
    let mut v = lesson_json();
    v["steps"][2]["run_to"] = serde_json::json!({ "event": { "kind": "autoscale" } });
    let problems = Plan::of(&import(&v.to_string()).unwrap()).unwrap_err();
    assert_eq!(problems[0].path, "steps[2].run_to");
    assert!(problems[0].message.contains("no `autoscale` event"), "{}", problems[0].message);

    let mut v = lesson_json();
    v["steps"][2]["highlight"] = serde_json::json!([{ "gang": { "app": "app", "deployment": "G", "index": 7 } }]);
    let problems = Plan::of(&import(&v.to_string()).unwrap()).unwrap_err();
    assert_eq!(problems[0].path, "steps[2].highlight[0]");
    assert!(problems[0].message.contains("resolves to nothing"));

    let mut v = lesson_json();
    v["steps"][2]["run_to"] = serde_json::json!({ "t_s": 1 });
    let problems = Plan::of(&import(&v.to_string()).unwrap()).unwrap_err();
    assert!(problems[0].message.contains("before the step starts"), "{}", problems[0].message);
}

#[test]
fn bad_lesson_files_name_the_field_path_of_each_problem() {
    let cases: Vec<(serde_json::Value, &str, &str)> = vec![
        (serde_json::json!({ "format": "gangplank.lesson/v2" }), "format", "unsupported format"),
        (serde_json::json!(["not", "a", "lesson"]), "", "must be a JSON object"),
    ];
    for (v, path, words) in cases {
        let e = errors_of(&v);
        assert_eq!(e[0].path, path);
        assert!(e[0].message.contains(words), "{}", e[0].message);
    }
    // A file cut short, or with a trailing comma, is told what usually causes it, with its line and column, as a
    // scenario is.
    let whole = serde_json::to_string_pretty(&lesson_json()).unwrap();
    let e = import(&whole[..whole.len() - 3]).expect_err("a lesson cut short");
    assert!(e[0].message.contains("ends too early") && e[0].line.is_some(), "{e:?}");
    // serde_json sorts the keys: "title" is the last of the top level, so a comma after it is a trailing comma.
    let e = import(&whole.replacen("\"A test lesson\"", "\"A test lesson\",", 1)).expect_err("a trailing comma");
    assert!(e[0].message.contains("JSON allows no comma before a closing brace") && e[0].line.is_some(), "{e:?}");
    let mutations: Vec<(&str, serde_json::Value, &str, &str)> = vec![
        (
            "/steps/1/question/options/1/holds",
            serde_json::json!({ "deployment_status": { "app": "app", "deployment": "G", "status": "HEALTHLY" } }),
            "steps[1].question.options[1].holds.deployment_status.status",
            "did you mean `HEALTHY`",
        ),
        (
            "/steps/1/question/options/0/holds",
            serde_json::json!({ "cout": {} }),
            "steps[1].question.options[0].holds.cout",
            "did you mean `count`",
        ),
        (
            "/steps/1/question/options/0/holds",
            serde_json::json!({ "all": [{ "count": { "kind": "gang_tear", "n": 1 } }] }),
            "steps[1].question.options[0].holds.all[0].count.kind",
            "unknown event kind",
        ),
        (
            "/steps/1/question/options/0/holds",
            serde_json::json!({ "count": { "kind": "gang_teardown", "n": "one" } }),
            "steps[1].question.options[0].holds.count.n",
            "",
        ),
        (
            "/steps/1/run_to",
            serde_json::json!({ "event": { "kind": "gang_teardown", "matching": { "teardown_caus": "x" } } }),
            "steps[1].run_to.event.matching.teardown_caus",
            "did you mean `teardown_cause`",
        ),
        ("/steps/0/highlight/0", serde_json::json!({ "node": "w9" }), "steps[0].highlight[0].node", "no node \"w9\""),
        (
            "/steps/0/highlight/1",
            serde_json::json!({ "panel": "timelines" }),
            "steps[0].highlight[1].panel",
            "did you mean `timeline`",
        ),
        (
            "/steps/0/highlight/1",
            serde_json::json!({ "gang": { "app": "app", "deployment": "H" } }),
            "steps[0].highlight[1].gang",
            "no deployment app/H",
        ),
        ("/steps/0/run_to", serde_json::json!({ "t_s": 1000 }), "steps[0].run_to.t_s", "until_s"),
        ("/steps/0/run_to", serde_json::json!({ "at": 3 }), "steps[0].run_to.at", "is not a run_to target"),
        ("/steps/0/action", serde_json::json!({ "do": "kill_node", "node": "w7" }), "steps[0].action.node", "w7"),
        (
            "/steps/0/action",
            serde_json::json!({ "do": "kil_node", "node": "w1" }),
            "steps[0].action.do",
            "did you mean `kill_node`",
        ),
        ("/steps/0/titel", serde_json::json!("x"), "steps[0].titel", "did you mean `title`"),
        ("/steps/2/narration", serde_json::json!(" "), "steps[2].narration", "must not be empty"),
        (
            "/scenario",
            serde_json::json!({ "preset": "replica-crush" }),
            "scenario.preset",
            "did you mean `replica-crash`",
        ),
        (
            "/scenario",
            serde_json::json!({ "format": "gangplank.scenario/v1", "cluster": { "nodes": [{ "id": "w1", "resources": { "CPU": -1 } }] } }),
            "scenario.cluster.nodes[0].resources",
            "",
        ),
        ("/id", serde_json::json!("Not An Id"), "id", "lowercase"),
    ];
    for (pointer, value, path, words) in mutations {
        let mut v = lesson_json();
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        let target = v.pointer_mut(parent).unwrap_or_else(|| panic!("{pointer}"));
        match target {
            serde_json::Value::Object(m) => {
                m.insert(key.to_string(), value);
            }
            serde_json::Value::Array(a) => a[key.parse::<usize>().unwrap()] = value,
            _ => panic!("{pointer}"),
        }
        let e = errors_of(&v);
        assert!(
            e.iter().any(|e| e.path.starts_with(path) && e.message.contains(words)),
            "{pointer}: wanted {path} ({words}), got {e:?}"
        );
    }
    // Several problems are all reported, each with its own path.
    let mut v = lesson_json();
    v["steps"][0]["highlight"][0] = serde_json::json!({ "node": "w9" });
    v["steps"][2]["run_to"] = serde_json::json!({ "for_s": -1 });
    let e = errors_of(&v);
    assert_eq!(paths(&e), ["steps[0].highlight[0].node", "steps[2].run_to.for_s"]);
}

#[test]
fn a_step_action_is_injected_when_the_step_starts_and_recorded_for_replay() {
    let mut v = lesson_json();
    v["steps"][0]["action"] = serde_json::json!({ "do": "kill_controller" });
    let lesson = import(&v.to_string()).unwrap();
    let plan = Plan::of(&lesson).unwrap();
    assert_eq!(plan.actions.len(), 1);
    assert_eq!(plan.actions[0].at_s, 0.0);
    assert_eq!(plan.actions[0].kind.name(), "kill_controller");
    let mut s = session();
    LessonRun::start(lesson, &mut s).unwrap();
    assert_eq!(s.user_actions(), plan.actions.as_slice());
}

#[test]
fn a_share_link_carries_the_lesson_and_step_and_opens_the_same_picture() {
    use gangplank::app::link::{SharedLink, decode_link, encode_link};
    let mut s = session();
    let mut run = LessonRun::start(builtin("node-dies"), &mut s).unwrap();
    run.go_to(&mut s, 3);
    run.reveal(&mut s);
    let link = link_of(&run, None);
    assert_eq!((link.id.as_deref(), link.step, link.revealed), (Some("node-dies"), 3, true));
    let shared = SharedLink {
        session: gangplank::app::import::shared_of(&s, "node-failure", None),
        compare: None,
        lesson: Some(link),
    };
    let back = decode_link(&encode_link(&shared)).unwrap();
    let mut other = session();
    let opened = open_link(back.lesson.as_ref().unwrap(), &mut other).unwrap();
    assert_eq!((opened.step(), opened.phase()), (run.step(), run.phase()));
    assert_eq!(other.snapshot(), s.snapshot());

    // An imported lesson travels inline.
    let text = lesson_json();
    let mut s = session();
    let mut run = LessonRun::start(import(&text.to_string()).unwrap(), &mut s).unwrap();
    run.go_to(&mut s, 1);
    let link = link_of(&run, Some(&text));
    assert_eq!((link.id.as_deref(), link.step, link.revealed), (None, 1, false));
    let mut other = session();
    let opened = open_link(&link, &mut other).unwrap();
    assert_eq!(opened.phase(), Phase::Asking);
    assert_eq!(other.snapshot(), s.snapshot());
    // A link to a lesson this build does not have says so.
    let missing =
        gangplank::app::link::LessonLink { id: Some("no-such".into()), inline: None, step: 0, revealed: false };
    assert!(open_link(&missing, &mut other).unwrap_err().contains("no-such"));
}
