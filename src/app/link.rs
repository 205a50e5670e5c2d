//! Share links: a whole session (scenario or preset name, seed, the user's actions, the cursor) in a URL
//! fragment, compressed and URL-safe. Because the model is deterministic, this reproduces exactly the same view.
//!
//! Format: `#g1.<base64url(deflate(JSON))>`, where `g1` is the link version. Presets are referenced by name,
//! so their links stay short; other scenarios are inlined.
use crate::app::compare::Variant;
use crate::model::scenario::{Action, Scenario, ScenarioError, parse_scenario};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The version tag this build writes and reads.
pub const LINK_VERSION: &str = "g1";
/// A decoded link larger than this is refused (a crafted link must not exhaust memory).
pub const MAX_DECODED_BYTES: usize = 8 * 1024 * 1024;

/// What a link carries.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SharedSession {
    /// A preset, by name (mutually exclusive with `scenario`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset: Option<String>,
    /// An inlined scenario, as JSON text in the public format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario: Option<serde_json::Value>,
    /// Overrides the scenario's seed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// The user's actions, in the scenario action format.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<Action>,
    /// Where the viewer stands, in simulated seconds.
    #[serde(default)]
    pub cursor_s: f64,
    /// View settings (speed, filters, ...): free-form, ignored by the CLI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub view: Option<serde_json::Value>,
}

/// A link's whole payload: the session and, for a comparison, its variant B.
///
/// On the wire `compare` is one more optional key of the session's JSON object (`"compare": {"label": …,
/// "changes": [...]}`, a [`Variant`]); a link without it is a plain session, so every older link still decodes.
/// (It is kept beside [`SharedSession`] rather than inside it so code that builds a `SharedSession` field by
/// field needs no change.)
#[derive(Clone, Debug, PartialEq)]
pub struct SharedLink {
    pub session: SharedSession,
    /// Variant B of a comparison: the changes to the session's scenario (or a whole other scenario).
    pub compare: Option<Variant>,
    /// A lesson and the step shown (issue 14): one more optional key, `"lesson"`, beside `compare`.
    pub lesson: Option<LessonLink>,
}

/// A lesson in a link: a built-in lesson by id, or an imported one inlined, and the step shown.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LessonLink {
    /// A built-in lesson's id (`app::lesson::BUILTIN`); exclusive with `inline`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// An imported lesson: its whole file, as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inline: Option<serde_json::Value>,
    /// The step shown, from 0.
    pub step: usize,
    /// The step's question was revealed (its answer shown); false: asking, or a step without a question.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub revealed: bool,
}

/// The payload key of [`SharedLink::compare`].
const COMPARE_KEY: &str = "compare";
/// The payload key of [`SharedLink::lesson`].
const LESSON_KEY: &str = "lesson";

#[derive(Clone, Debug, PartialEq)]
pub enum LinkError {
    /// No `g<N>.` payload found.
    NotALink(String),
    /// Made by a newer Gangplank.
    NewerVersion(String),
    /// The payload is not valid base64url or does not inflate (often: the link was cut short).
    Corrupt(String),
    /// The payload inflates but is not a session.
    BadPayload(String),
    /// Names a preset this build does not have.
    UnknownPreset(String),
    /// The scenario inside is invalid.
    InvalidScenario(Vec<ScenarioError>),
}

impl fmt::Display for LinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LinkError::NotALink(m) => write!(f, "not a Gangplank link: {m}"),
            LinkError::NewerVersion(v) => write!(
                f,
                "this link was made by a newer Gangplank (link version {v}); this version reads {LINK_VERSION}. Open it with a newer Gangplank."
            ),
            LinkError::Corrupt(m) => write!(f, "the link is damaged or cut short: {m}"),
            LinkError::BadPayload(m) => write!(f, "the link's content is not a Gangplank session: {m}"),
            LinkError::UnknownPreset(p) => write!(f, "the link names a preset \"{p}\" that this version does not have"),
            LinkError::InvalidScenario(errors) => {
                write!(f, "the scenario in the link is invalid: ")?;
                let parts: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
                write!(f, "{}", parts.join("; "))
            }
        }
    }
}

/// Encode a session as a fragment (`g1.…`, without the `#`).
pub fn encode(session: &SharedSession) -> String {
    let json = serde_json::to_vec(session).expect("a session always serializes");
    pack(&json)
}

fn pack(json: &[u8]) -> String {
    let packed = miniz_oxide::deflate::compress_to_vec(json, 9);
    format!("{LINK_VERSION}.{}", base64url::encode(&packed))
}

/// Encode a session with its comparison and lesson, if any (without either, the same text as [`encode`]).
pub fn encode_link(link: &SharedLink) -> String {
    if link.compare.is_none() && link.lesson.is_none() {
        return encode(&link.session);
    }
    let mut v = serde_json::to_value(&link.session).expect("a session always serializes");
    let map = v.as_object_mut().expect("a session is an object");
    if let Some(variant) = &link.compare {
        map.insert(COMPARE_KEY.to_string(), serde_json::to_value(variant).expect("a variant serializes"));
    }
    if let Some(lesson) = &link.lesson {
        map.insert(LESSON_KEY.to_string(), serde_json::to_value(lesson).expect("a lesson link serializes"));
    }
    pack(v.to_string().as_bytes())
}

/// Decode a full URL, a `#fragment`, or the bare payload (a comparison in it is left out: see [`decode_link`]).
pub fn decode(link: &str) -> Result<SharedSession, LinkError> {
    decode_link(link).map(|l| l.session)
}

/// Decode a link with its comparison, if it has one.
pub fn decode_link(link: &str) -> Result<SharedLink, LinkError> {
    let fragment = link.trim();
    let fragment = match fragment.rfind('#') {
        Some(i) => &fragment[i + 1..],
        None => fragment,
    };
    // The fragment may carry other `&key=value` parts (e.g. a future view flag); the payload is the g-part.
    let part = fragment.split('&').find(|p| p.starts_with('g') && p.contains('.')).ok_or_else(|| {
        LinkError::NotALink(if fragment.is_empty() {
            "it has no #fragment with a session".to_string()
        } else {
            "its fragment has no g<version>.<data> part".to_string()
        })
    })?;
    let (version, payload) = part.split_once('.').expect("checked above");
    if version != LINK_VERSION {
        let n = version.trim_start_matches('g');
        return match n.parse::<u32>() {
            Ok(v) if v > 1 => Err(LinkError::NewerVersion(version.to_string())),
            _ => Err(LinkError::NotALink(format!("unknown link version \"{version}\""))),
        };
    }
    let packed = base64url::decode(payload.trim_end_matches('='))
        .map_err(|e| LinkError::Corrupt(format!("invalid base64url ({e})")))?;
    let json = miniz_oxide::inflate::decompress_to_vec_with_limit(&packed, MAX_DECODED_BYTES)
        .map_err(|e| LinkError::Corrupt(format!("the compressed data does not inflate ({:?})", e.status)))?;
    // Only a payload with a comparison or a lesson goes through a Value (the plain path keeps serde's messages with
    // positions).
    let mut compare = None;
    let mut lesson = None;
    let session: SharedSession = match serde_json::from_slice::<serde_json::Value>(&json) {
        Ok(serde_json::Value::Object(mut map)) if map.contains_key(COMPARE_KEY) || map.contains_key(LESSON_KEY) => {
            if let Some(v) = map.remove(COMPARE_KEY) {
                compare = Some(
                    ScenarioError::deserialize_value::<Variant>(&v)
                        .map_err(|e| LinkError::BadPayload(format!("its comparison: {}", located(&e))))?,
                );
            }
            if let Some(v) = map.remove(LESSON_KEY) {
                let l = ScenarioError::deserialize_value::<LessonLink>(&v)
                    .map_err(|e| LinkError::BadPayload(format!("its lesson: {}", located(&e))))?;
                if l.id.is_some() == l.inline.is_some() {
                    return Err(LinkError::BadPayload(
                        "its lesson must name exactly one of a built-in lesson (id) or an inline one".to_string(),
                    ));
                }
                lesson = Some(l);
            }
            // Through the field-path deserializer: a Value carries no line and column, so the path says where.
            ScenarioError::deserialize_value(&serde_json::Value::Object(map))
                .map_err(|e| LinkError::BadPayload(located(&e)))?
        }
        _ => serde_json::from_slice(&json).map_err(|e| LinkError::BadPayload(e.to_string()))?,
    };
    if session.preset.is_some() == session.scenario.is_some() {
        return Err(LinkError::BadPayload("it must name exactly one of a preset or a scenario".to_string()));
    }
    if !session.cursor_s.is_finite() || session.cursor_s < 0.0 {
        return Err(LinkError::BadPayload(format!(
            "cursor_s must be a time of at least 0 s, found {}",
            session.cursor_s
        )));
    }
    Ok(SharedLink { session, compare, lesson })
}

/// A payload error as `path: message` (the message alone for the payload itself).
fn located(e: &ScenarioError) -> String {
    if e.path.is_empty() { e.message.clone() } else { format!("{}: {}", e.path, e.message) }
}

/// Turn a decoded session into a runnable scenario: the preset or inlined scenario, the seed override, and the
/// user's actions appended (so the scenario file alone reproduces the run). `preset` looks a name up.
pub fn resolve(session: &SharedSession, preset: impl Fn(&str) -> Option<&'static str>) -> Result<Scenario, LinkError> {
    let text = match (&session.preset, &session.scenario) {
        (Some(name), _) => preset(name).ok_or_else(|| LinkError::UnknownPreset(name.clone()))?.to_string(),
        (None, Some(v)) => v.to_string(),
        (None, None) => return Err(LinkError::BadPayload("no scenario".to_string())),
    };
    let mut scenario = parse_scenario(&text).map_err(LinkError::InvalidScenario)?;
    if let Some(seed) = session.seed {
        scenario.seed = seed;
    }
    scenario.actions.extend(session.actions.iter().cloned());
    // Re-validate with the user's actions folded in: a link must never smuggle in an action the loader refuses.
    // Through a Value (parse_scenario reads the text into one anyway): the scenario's serializer for Values is
    // already in the bundle, a direct one to text would be another ~5 KB of wasm.
    let text = serde_json::to_value(&scenario).expect("a scenario always serializes").to_string();
    parse_scenario(&text).map_err(|errors| {
        LinkError::InvalidScenario(
            errors.into_iter().map(|e| ScenarioError { path: format!("(link) {}", e.path), ..e }).collect(),
        )
    })
}

/// URL-safe base64 without padding (RFC 4648 §5), as the `base64` crate's `URL_SAFE_NO_PAD` engine writes and
/// reads it, with the same error messages; ~6.6 KB less wasm than the crate's general-purpose engine. The tests
/// below check both agree.
mod base64url {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    pub fn encode(bytes: &[u8]) -> String {
        let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
        for chunk in bytes.chunks(3) {
            let b = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
            let n = (b(0) << 16) | (b(1) << 8) | b(2);
            for i in 0..=chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
            }
        }
        out
    }

    fn value(b: u8) -> Option<u32> {
        ALPHABET.iter().position(|&a| a == b).map(|v| v as u32)
    }

    /// The `base64` crate's `DecodeError` messages.
    fn invalid_byte(offset: usize, b: u8) -> String {
        format!("Invalid symbol {b}, offset {offset}.")
    }

    /// Decode, rejecting what the `base64` crate's `URL_SAFE_NO_PAD` rejects (checked in the same order: a bad
    /// last byte of a too-short group first, then each symbol in order, the length, padding, non-zero trailing bits).
    pub fn decode(text: &str) -> Result<Vec<u8>, String> {
        let input = text.as_bytes();
        let rem = input.len() % 4;
        if rem == 1 {
            let last = input[input.len() - 1];
            if last != b'=' && value(last).is_none() {
                return Err(invalid_byte(input.len() - 1, last));
            }
        }
        // Whole groups of four before the last (possibly whole) group.
        let quads = input.len().saturating_sub(rem).saturating_sub(usize::from(rem == 0) * 4);
        let mut out = Vec::with_capacity(input.len() / 4 * 3 + 3);
        for (q, group) in input[..quads].chunks_exact(4).enumerate() {
            let mut n = 0u32;
            for (i, &b) in group.iter().enumerate() {
                n = (n << 6) | value(b).ok_or_else(|| invalid_byte(q * 4 + i, b))?;
            }
            out.extend_from_slice(&n.to_be_bytes()[1..]);
        }
        let (mut morsels, mut padding, mut first_padding, mut last) = (0usize, 0usize, 0usize, 0u8);
        let mut n = 0u32;
        for (i, &b) in input[quads..].iter().enumerate() {
            if b == b'=' {
                if i < 2 {
                    return Err(invalid_byte(quads + i, b));
                }
                if padding == 0 {
                    first_padding = i;
                }
                padding += 1;
                continue;
            }
            if padding > 0 {
                return Err(invalid_byte(quads + first_padding, b'='));
            }
            last = b;
            n |= value(b).ok_or_else(|| invalid_byte(quads + i, b))? << (26 - 6 * morsels);
            morsels += 1;
        }
        if !input.is_empty() && morsels < 2 {
            return Err(format!("Invalid input length: {}", quads + morsels));
        }
        if padding > 0 {
            return Err("Invalid padding".to_string());
        }
        let bytes = morsels * 6 / 8;
        if n & (!0u32 >> (bytes * 8)) != 0 {
            return Err(format!("Invalid last symbol {last}, offset {}.", quads + morsels - 1));
        }
        out.extend_from_slice(&n.to_be_bytes()[..bytes]);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_field_beside_a_lesson_or_comparison_is_named_by_its_path() {
        // Found by fuzzing (FUZZING.md): these payloads go through a Value, whose errors had no place at all.
        let payload = br#"{"preset":"replica-crash","cursor_s":true,"lesson":{"id":"what-is-a-gang","step":0}}"#;
        let err = decode_link(&pack(payload)).unwrap_err().to_string();
        assert!(err.contains("cursor_s: invalid type: boolean `true`"), "{err}");
        let payload = br#"{"preset":"replica-crash","lesson":{"id":"what-is-a-gang","step":"one"}}"#;
        let err = decode_link(&pack(payload)).unwrap_err().to_string();
        assert!(err.contains("its lesson: step: invalid type"), "{err}");
        let payload = br#"{"preset":"replica-crash","compare":{"changes":[{"kind":"seed","seed":"x"}]}}"#;
        let err = decode_link(&pack(payload)).unwrap_err().to_string();
        assert!(err.contains("its comparison: changes[0]"), "{err}");
    }

    fn session() -> SharedSession {
        SharedSession {
            preset: Some("replica-crash".to_string()),
            scenario: None,
            seed: Some(7),
            actions: Vec::new(),
            cursor_s: 12.5,
            view: None,
        }
    }

    #[test]
    fn round_trip_through_a_full_url() {
        let s = session();
        let url = format!("https://example.org/gangplank/#{}", encode(&s));
        assert_eq!(decode(&url).unwrap(), s);
        assert!(encode(&s).len() < 80, "{}", encode(&s));
    }

    #[test]
    fn a_comparison_round_trips_and_an_old_link_still_decodes() {
        use crate::app::compare::Change;
        let compare = Variant::new(
            "spread",
            vec![
                Change::Strategy { app: "app".into(), deployment: "G".into(), strategy: "SPREAD".into() },
                Change::Seed { seed: 9 },
                Change::Toggle { name: "sweep_pending_migration".into(), value: true.into() },
            ],
        );
        let link = SharedLink { session: session(), compare: Some(compare), lesson: None };
        let text = encode_link(&link);
        assert_eq!(decode_link(&format!("https://example.org/#{text}")).unwrap(), link);
        // The plain decoder reads the session of a comparison link.
        assert_eq!(decode(&text).unwrap(), session());
        // Without a comparison the link is exactly the old one.
        let plain = SharedLink { session: session(), compare: None, lesson: None };
        assert_eq!(encode_link(&plain), encode(&session()));
        // A link made before comparisons existed (gangplank-cli link --preset replica-crash).
        let old = decode_link("#g1.ASkA1v97InByZXNldCI6InJlcGxpY2EtY3Jhc2giLCJjdXJzb3JfcyI6MC4wfQ").unwrap();
        assert_eq!(old.compare, None);
        assert_eq!(old.session.preset.as_deref(), Some("replica-crash"));
        // A damaged comparison says so.
        let mut v = serde_json::to_value(session()).unwrap();
        v["compare"] = serde_json::json!({ "changes": [{ "change": "warp" }] });
        let bad = pack(v.to_string().as_bytes());
        assert!(matches!(decode_link(&bad), Err(LinkError::BadPayload(m)) if m.contains("comparison")));
    }

    #[test]
    fn a_lesson_and_its_step_round_trip_and_old_links_have_none() {
        let lesson = LessonLink { id: Some("restart-gang".into()), inline: None, step: 3, revealed: true };
        let link = SharedLink { session: session(), compare: None, lesson: Some(lesson.clone()) };
        let text = encode_link(&link);
        let back = decode_link(&format!("https://example.org/#{text}")).unwrap();
        assert_eq!(back, link);
        assert_eq!(back.lesson.unwrap().step, 3);
        // The plain decoder still reads the session of a lesson link.
        assert_eq!(decode(&text).unwrap(), session());
        // A lesson beside a comparison.
        let both = SharedLink {
            session: session(),
            compare: Some(Variant::new("seed", vec![crate::app::compare::Change::Seed { seed: 2 }])),
            lesson: Some(LessonLink {
                id: None,
                inline: Some(serde_json::json!({"id": "mine"})),
                step: 0,
                revealed: false,
            }),
        };
        assert_eq!(decode_link(&encode_link(&both)).unwrap(), both);
        // A link made before lessons existed decodes unchanged, with no lesson.
        let old = decode_link("#g1.ASkA1v97InByZXNldCI6InJlcGxpY2EtY3Jhc2giLCJjdXJzb3JfcyI6MC4wfQ").unwrap();
        assert_eq!(old.lesson, None);
        assert_eq!(old.session.preset.as_deref(), Some("replica-crash"));
        // A lesson naming both a built-in and an inline lesson, or a bad step, is refused with a reason.
        for bad in [
            serde_json::json!({ "id": "x", "inline": {}, "step": 0 }),
            serde_json::json!({ "step": 0 }),
            serde_json::json!({ "id": "x", "step": -1 }),
        ] {
            let mut v = serde_json::to_value(session()).unwrap();
            v["lesson"] = bad;
            let text = pack(v.to_string().as_bytes());
            assert!(matches!(decode_link(&text), Err(LinkError::BadPayload(m)) if m.contains("lesson")), "{text}");
        }
    }

    #[test]
    fn bad_links_say_what_is_wrong() {
        assert!(matches!(decode("https://example.org/"), Err(LinkError::NotALink(_))));
        assert!(matches!(decode("#g2.abcd"), Err(LinkError::NewerVersion(_))));
        let good = encode(&session());
        let cut = &good[..good.len() - 6];
        assert!(matches!(decode(cut), Err(LinkError::Corrupt(_))), "{:?}", decode(cut));
        assert!(matches!(decode("#g1.!!!"), Err(LinkError::Corrupt(_))));
        let not_session = format!("g1.{}", base64url::encode(&miniz_oxide::deflate::compress_to_vec(b"[1,2]", 6)));
        assert!(matches!(decode(&not_session), Err(LinkError::BadPayload(_))));
    }

    #[test]
    fn base64url_agrees_with_the_base64_crate() {
        use base64::Engine;
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        // Every byte string up to 3 bytes from a small alphabet, and longer pseudo-random ones.
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut bytes: Vec<Vec<u8>> = vec![Vec::new()];
        for len in 1..=3 {
            for i in 0..(6u32.pow(len)) {
                bytes.push((0..len).map(|k| [0u8, 1, 62, 63, 128, 255][(i / 6u32.pow(k)) as usize % 6]).collect());
            }
        }
        for len in 0..200 {
            bytes.push((0..len).map(|_| next() as u8).collect());
        }
        for b in &bytes {
            let ours = base64url::encode(b);
            assert_eq!(ours, URL_SAFE_NO_PAD.encode(b));
            assert_eq!(base64url::decode(&ours).as_ref(), Ok(b));
        }
        // Text, valid or not: every string up to 5 symbols from an alphabet with odd characters, and damaged
        // encodings (a symbol replaced, cut, padding added).
        let symbols = b"Aa_-=Q!+/ z";
        let mut texts: Vec<String> = vec![String::new()];
        for len in 1..=5u32 {
            for i in 0..symbols.len().pow(len) {
                let t: Vec<u8> = (0..len).map(|k| symbols[i / symbols.len().pow(k) % symbols.len()]).collect();
                texts.push(String::from_utf8(t).unwrap());
            }
        }
        for b in bytes.iter().skip(200) {
            let good = URL_SAFE_NO_PAD.encode(b);
            for _ in 0..4 {
                let mut t = good.clone().into_bytes();
                if !t.is_empty() {
                    let at = next() as usize % t.len();
                    t[at] = symbols[next() as usize % symbols.len()];
                    let cut = next() as usize % (t.len() + 1);
                    texts.push(String::from_utf8(t[..cut].to_vec()).unwrap());
                    texts.push(String::from_utf8(t).unwrap());
                }
            }
            texts.push(format!("{good}="));
            texts.push(format!("{good}=="));
        }
        assert!(texts.len() > 150_000, "{}", texts.len());
        for t in &texts {
            let theirs = URL_SAFE_NO_PAD.decode(t).map_err(|e| e.to_string());
            assert_eq!(base64url::decode(t), theirs, "{t:?}");
        }
    }
}
