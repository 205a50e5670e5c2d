//! The one boundary rule of ARCHITECTURE.md, enforced: the model (`src/model/`) is pure and deterministic.
//!
//! It scans every `.rs` file under `src/model/`, with comments and string literals blanked out, and fails on:
//! - web crates: the model must compile and behave the same natively and in the browser;
//! - the wall clock: simulated time is the model's own (`model::time`);
//! - unseeded randomness: every random choice comes from the run's one seeded RNG;
//! - `HashMap` / `HashSet`: their iteration order differs between runs; use `BTreeMap` / `BTreeSet` or a `Vec`;
//! - global state and ambient I/O: plain data in, plain data out.
use std::fs;
use std::path::{Path, PathBuf};

const WEB: &str = "web crate; the model must run natively and in the browser alike";
const CLOCK: &str = "wall clock; use model::time";
const UNSEEDED: &str = "unseeded randomness; use the run's seeded RNG";
const GLOBAL: &str = "global state";
/// What the model must not contain, each with the reason shown on failure. A pattern is matched token by token
/// on whole identifiers, so `std::time` also catches `std :: time`, and `Instant` does not catch `SimInstant`.
const FORBIDDEN: &[(&str, &str)] = &[
    ("yew", WEB),
    ("web_sys", WEB),
    ("js_sys", WEB),
    ("gloo", WEB),
    ("wasm_bindgen", WEB),
    ("wasm_bindgen_futures", WEB),
    ("std::time", CLOCK),
    ("SystemTime", CLOCK),
    ("Instant", CLOCK),
    ("chrono", CLOCK),
    ("thread_rng", UNSEEDED),
    ("ThreadRng", UNSEEDED),
    ("OsRng", UNSEEDED),
    ("from_entropy", UNSEEDED),
    ("from_os_rng", UNSEEDED),
    ("getrandom", UNSEEDED),
    ("rand::rng", UNSEEDED),
    ("rand::random", UNSEEDED),
    ("rand::random_range", UNSEEDED),
    ("rand::random_bool", UNSEEDED),
    ("rand::random_iter", UNSEEDED),
    ("rand::random_ratio", UNSEEDED),
    ("rand::fill", UNSEEDED),
    ("HashMap", "iteration order varies; use BTreeMap"),
    ("HashSet", "iteration order varies; use BTreeSet"),
    ("static mut", GLOBAL),
    ("thread_local", GLOBAL),
    ("OnceLock", GLOBAL),
    ("LazyLock", GLOBAL),
    ("lazy_static", GLOBAL),
    ("once_cell", GLOBAL),
    ("std::env", "ambient input; pass data in"),
    ("std::fs", "I/O; pass data in"),
    ("std::net", "I/O"),
    ("std::process", "I/O"),
    ("std::thread", "threads make runs nondeterministic"),
];

#[test]
fn the_model_imports_no_web_crate_clock_or_other_nondeterminism() {
    let model_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/model");
    let files = rust_files_under(&model_dir);
    assert!(!files.is_empty(), "no .rs files found under {}", model_dir.display());

    let mut violations = Vec::new();
    for file in &files {
        let source = fs::read_to_string(file).unwrap();
        let shown = file.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap_or(file).display().to_string();
        for (line, token, reason) in violations_in(&source) {
            violations.push(format!("  {shown}:{line}: `{token}` ({reason})"));
        }
    }
    assert!(
        violations.is_empty(),
        "src/model/ must stay pure and deterministic (ARCHITECTURE.md):\n{}",
        violations.join("\n")
    );
}

/// Every `.rs` file under `dir`, recursively, in a stable order.
fn rust_files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        for entry in fs::read_dir(&current).unwrap_or_else(|e| panic!("{}: {e}", current.display())) {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// `(line, pattern, reason)` for every forbidden pattern in `source`.
fn violations_in(source: &str) -> Vec<(usize, String, &'static str)> {
    let words = |text: &str| tokens(text).into_iter().map(|(_, word)| word).collect::<Vec<_>>();
    let patterns: Vec<(Vec<String>, &str, &str)> =
        FORBIDDEN.iter().map(|(pattern, reason)| (words(pattern), *pattern, *reason)).collect();
    let code = tokens(&blank_comments_and_strings(source));
    let code_words: Vec<String> = code.iter().map(|(_, word)| word.clone()).collect();
    let mut found = Vec::new();
    for (index, (line, _)) in code.iter().enumerate() {
        for (pattern_words, pattern, reason) in &patterns {
            if code_words[index..].starts_with(pattern_words) {
                found.push((*line, pattern.to_string(), *reason));
            }
        }
    }
    found
}

/// The tokens of `code` with their line numbers: identifiers (and numbers), `::`, and one `.` for any other
/// punctuation, so `std::{time}` or `std, time` are not read as `std::time`. Whitespace is dropped.
fn tokens(code: &str) -> Vec<(usize, String)> {
    let mut tokens = Vec::new();
    let mut line = 1;
    let mut chars = code.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_alphanumeric() || c == '_' {
            let mut word = c.to_string();
            while let Some(next) = chars.next_if(|n| n.is_alphanumeric() || *n == '_') {
                word.push(next);
            }
            tokens.push((line, word));
        } else if c == ':' && chars.next_if_eq(&':').is_some() {
            tokens.push((line, "::".to_string()));
        } else if c == '\n' {
            line += 1;
        } else if !c.is_whitespace() {
            tokens.push((line, ".".to_string()));
        }
    }
    tokens
}

/// `source` with every comment, string, byte string, raw string and char literal replaced by spaces
/// (newlines kept, so line numbers stay right). Doc comments may name web crates; code may not.
fn blank_comments_and_strings(source: &str) -> String {
    let chars: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len());
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
        } else if let Some(hashes) = raw_string_start(&chars, i) {
            // r"..", r#".."#, br#".."#: ends at a quote followed by the same number of hashes.
            let prefix_len = chars[i..].iter().position(|&ch| ch == '"').unwrap() + 1;
            out.extend(std::iter::repeat_n(' ', prefix_len));
            i += prefix_len;
            while i < chars.len() {
                if chars[i] == '"' && chars[i + 1..].iter().take(hashes).filter(|&&h| h == '#').count() == hashes {
                    out.extend(std::iter::repeat_n(' ', 1 + hashes));
                    i += 1 + hashes;
                    break;
                }
                out.push(blank(chars[i]));
                i += 1;
            }
        } else if c == '"' {
            out.push(' ');
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                let step = if chars[i] == '\\' { 2 } else { 1 };
                for ch in chars.iter().skip(i).take(step) {
                    out.push(blank(*ch));
                }
                i += step;
            }
            out.push(' ');
            i += 1;
        } else if c == '\'' && is_char_literal(&chars, i) {
            out.push(' ');
            i += 1;
            while i < chars.len() && chars[i] != '\'' {
                i += if chars[i] == '\\' { 2 } else { 1 };
                out.push(' ');
            }
            out.push(' ');
            i += 1;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// The number of `#`s if a raw (byte) string starts at `i`; identifiers ending in `r`/`br` do not count.
fn raw_string_start(chars: &[char], i: usize) -> Option<usize> {
    let in_identifier = i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
    let start = match (chars[i], chars.get(i + 1)) {
        ('r', _) => i + 1,
        ('b', Some('r')) => i + 2,
        _ => return None,
    };
    if in_identifier {
        return None;
    }
    let hashes = chars[start..].iter().take_while(|&&ch| ch == '#').count();
    (chars.get(start + hashes) == Some(&'"')).then_some(hashes)
}

/// `'x'` or `'\n'` is a char literal; `'a` in `&'a str` is a lifetime.
fn is_char_literal(chars: &[char], i: usize) -> bool {
    match chars.get(i + 1) {
        Some('\\') => true,
        Some(_) => chars.get(i + 2) == Some(&'\''),
        None => false,
    }
}

/// The scanner itself, on small fixtures: what it must catch and what it must let through.
#[test]
fn the_scanner_catches_forbidden_code_and_ignores_comments_and_strings() {
    let caught = |source: &str| -> Vec<String> { violations_in(source).into_iter().map(|(_, t, _)| t).collect() };

    assert_eq!(caught("use yew::prelude::*;"), ["yew"]);
    assert_eq!(caught("let x = web_sys::window();"), ["web_sys"]);
    assert_eq!(caught("use std::time::Instant;"), ["std::time", "Instant"]);
    assert_eq!(caught("let now = std :: time :: SystemTime::now();"), ["std::time", "SystemTime"]);
    assert_eq!(caught("let mut rng = rand::rng();"), ["rand::rng"]);
    assert_eq!(caught("let d = rand::random_range(1..=6);"), ["rand::random_range"]);
    assert_eq!(caught("let m: HashMap<u32, u32> = HashMap::new();"), ["HashMap", "HashMap"]);
    assert_eq!(caught("static mut COUNTER: u32 = 0;"), ["static mut"]);
    assert_eq!(caught("fn f() {\n\n gloo::console::log!(1); }").len(), 1);
    assert_eq!(violations_in("fn f() {\n\n gloo::x(); }")[0].0, 3, "line numbers are kept");

    // Allowed: comments, doc comments, strings, raw strings, look-alike names, seeded RNGs.
    assert!(caught("//! nothing here imports yew, web-sys or gloo").is_empty());
    assert!(caught("/* std::time /* nested */ Instant */ fn f() {}").is_empty());
    assert!(caught(r##"let s = "yew \" HashMap"; let r = r#"web_sys "Instant""#;"##).is_empty());
    assert!(caught("fn f<'a>(x: &'a str) -> char { let q = '\"'; 'y' }").is_empty());
    assert!(caught("use crate::model::time::SimTime; let t = SimInstant(0); let yews = 1;").is_empty());
    assert!(caught("use rand::SeedableRng; let rng = ChaCha8Rng::seed_from_u64(7); let s = static_mut;").is_empty());
    assert!(caught("use std::{collections::BTreeMap, fmt};").is_empty());
    assert!(caught("let ident_r = 1; let br = 2; let r = 3;").is_empty());
    assert!(caught("for n in x { pub static NAMES: &[&str] = &[]; }").is_empty());
}
