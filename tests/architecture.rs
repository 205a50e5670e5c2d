//! The boundary rules of ARCHITECTURE.md, enforced: the model (`src/model/`) is pure and deterministic, `src/app/`
//! imports no web crate, and no two files under `src/` import each other (directly or around a cycle).
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
    let found = findings_under("src/model", |source| {
        violations_in(source).into_iter().map(|(line, token, reason)| (line, format!("`{token}` ({reason})"))).collect()
    });
    assert!(found.is_empty(), "src/model/ must stay pure and deterministic (ARCHITECTURE.md):\n{}", found.join("\n"));
}

/// `src/app` (sessions, links, import and export) is shared by the UI and the native CLI: no web crate either.
#[test]
fn the_app_layer_imports_no_web_crate() {
    let found = findings_under("src/app", |source| {
        violations_in(source)
            .into_iter()
            .filter(|(_, _, reason)| *reason == WEB)
            .map(|(line, token, _)| (line, format!("`{token}`")))
            .collect()
    });
    assert!(
        found.is_empty(),
        "src/app/ must build natively for the CLI: only src/ui may use web crates (ARCHITECTURE.md):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_ui_never_drives_the_simulation_itself() {
    // The UI sends actions through the session (src/app) and reads plain data; it never holds a `Simulation`.
    let found = findings_under("src/ui", |source| {
        tokens(&blank_comments_and_strings(source))
            .into_iter()
            .filter(|(_, token)| token == "Simulation")
            .map(|(line, token)| (line, format!("`{token}`")))
            .collect()
    });
    assert!(
        found.is_empty(),
        "src/ui/ reaches the model only through the session (ARCHITECTURE.md):\n{}",
        found.join("\n")
    );
}

/// `find` run on every `.rs` file under `dir` (relative to the crate), as `  path:line: what` lines. Fails if the
/// folder holds no file, so a moved folder cannot pass vacuously.
fn findings_under(dir: &str, find: impl Fn(&str) -> Vec<(usize, String)>) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let files = rust_files_under(&root);
    assert!(!files.is_empty(), "no .rs files found under {}", root.display());
    let mut found = Vec::new();
    for file in &files {
        let source = fs::read_to_string(file).unwrap();
        let shown = file.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap_or(file).display().to_string();
        for (line, what) in find(&source) {
            found.push(format!("  {shown}:{line}: {what}"));
        }
    }
    found
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

// ===== import cycles ==========================================================================================

/// Import cycles between files that are tolerated for now, as pairs of paths under `src/`, each with its reason.
/// An entry must match a cycle that exists (exactly those two files): delete it once the cycle is gone.
///
/// (The split `impl ServeController` across `serve/controller.rs` and `serve/recovery.rs` is not listed: controller
/// calls methods that recovery defines, but imports nothing from it, so it is not an import cycle.)
const CYCLES_ALLOWED: &[(&str, &str, &str)] = &[];

#[test]
fn no_two_files_import_each_other() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    // The library's files (the binaries under src/bin and src/main.rs are crates of their own).
    let files: Vec<(String, String)> = rust_files_under(&src)
        .into_iter()
        .map(|f| f.strip_prefix(&src).unwrap().to_string_lossy().replace('\\', "/"))
        .filter(|f| !f.starts_with("bin/") && f != "main.rs")
        .map(|f| {
            let text = fs::read_to_string(src.join(&f)).unwrap();
            (f, text)
        })
        .collect();
    assert!(files.iter().any(|(f, _)| f == "model/sim.rs"), "the scan found the model's files");
    let graph = import_graph(&files);
    let cycles = cycles_of(&graph);
    let allowed = |cycle: &Vec<String>| {
        CYCLES_ALLOWED
            .iter()
            .any(|(a, b, _)| cycle.len() == 2 && cycle.contains(&a.to_string()) && cycle.contains(&b.to_string()))
    };
    let mut problems: Vec<String> = cycles
        .iter()
        .filter(|c| !allowed(c))
        .map(|c| format!("  {} (e.g. {})", c.join(" ↔ "), example_path(&graph, c)))
        .collect();
    for (a, b, why) in CYCLES_ALLOWED {
        if !cycles.iter().any(|c| c.len() == 2 && c.contains(&a.to_string()) && c.contains(&b.to_string())) {
            problems.push(format!("  {a} ↔ {b} is allowed ({why}) but no longer a cycle: delete its entry"));
        }
    }
    assert!(
        problems.is_empty(),
        "files under src/ must not import each other, directly or around a cycle (move the shared part into a \
         file both can import):\n{}",
        problems.join("\n")
    );
}

/// `from → to` for every file that names another (by a `use`, or by a `crate::…`/`super::…` path in code), keyed
/// by paths under `src/`. Re-exports (`pub use`) are aliases, not dependencies: a path through one leads to the
/// file that defines the item. Test-only modules (`#[cfg(test)] mod …`) are left out.
fn import_graph(files: &[(String, String)]) -> std::collections::BTreeMap<String, std::collections::BTreeSet<String>> {
    let modules: std::collections::BTreeMap<Vec<String>, String> =
        files.iter().map(|(f, _)| (module_of(f), f.clone())).collect();
    let mut reexports: std::collections::BTreeMap<(Vec<String>, String), Vec<String>> = Default::default();
    let mut uses: Vec<(String, Vec<String>)> = Vec::new();
    for (file, text) in files {
        for r in crate_paths(&module_of(file), text, &modules) {
            match r.reexport_as {
                Some(name) => {
                    reexports.insert((module_of(file), name), r.path);
                }
                None => uses.push((file.clone(), r.path)),
            }
        }
    }
    let mut graph: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> = Default::default();
    for (file, text) in files {
        let _ = text;
        graph.entry(file.clone()).or_default();
    }
    for (from, path) in uses {
        if let Some(to) = resolve(&path, &modules, &reexports, 0)
            && to != from
        {
            graph.entry(from).or_default().insert(to);
        }
    }
    graph
}

/// The module path of a file under `src/`: `model/sim.rs` is `[model, sim]`, `model/mod.rs` is `[model]`.
fn module_of(file: &str) -> Vec<String> {
    let stem = file.strip_suffix(".rs").unwrap_or(file);
    let mut parts: Vec<String> = stem.split('/').map(str::to_string).collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
        parts.pop();
    }
    parts
}

/// The file that defines what an absolute path names: the longest prefix that is a file's module, followed
/// through a re-export of that file if the next name is one.
fn resolve(
    path: &[String],
    modules: &std::collections::BTreeMap<Vec<String>, String>,
    reexports: &std::collections::BTreeMap<(Vec<String>, String), Vec<String>>,
    depth: usize,
) -> Option<String> {
    let n = (0..=path.len()).rev().find(|&n| modules.contains_key(&path[..n]))?;
    if depth < 8
        && let Some(name) = path.get(n)
        && let Some(target) = reexports.get(&(path[..n].to_vec(), name.clone()))
    {
        let mut through = target.clone();
        through.extend_from_slice(&path[n + 1..]);
        return resolve(&through, modules, reexports, depth + 1);
    }
    modules.get(&path[..n]).cloned()
}

/// A path named in a file, made absolute (`crate` dropped); `reexport_as` is the name a `pub use` gives it.
#[derive(Debug, PartialEq)]
struct NamedPath {
    path: Vec<String>,
    reexport_as: Option<String>,
}

/// The crate-local paths a file names: the leaves of its `use` trees that start with `crate`, `super`, `self` or
/// one of its child modules, and every `crate::…`/`super::…` path in code. `module` is the file's module path.
fn crate_paths(
    module: &[String],
    source: &str,
    modules: &std::collections::BTreeMap<Vec<String>, String>,
) -> Vec<NamedPath> {
    let toks = use_tokens(&blank_comments_and_strings(source));
    let mut out = Vec::new();
    // Inline modules around the current token: (name, brace depth inside it, test-only).
    let mut inline: Vec<(String, usize, bool)> = Vec::new();
    let mut depth = 0;
    let mut cfg_test = false;
    let mut i = 0;
    while i < toks.len() {
        let in_test = inline.iter().any(|m| m.2);
        let here: Vec<String> = module.iter().cloned().chain(inline.iter().map(|m| m.0.clone())).collect();
        let t = toks[i].as_str();
        match t {
            "#" if toks[i..].starts_with(&["#", "[", "cfg", "(", "test", ")", "]"].map(String::from)) => {
                cfg_test = true;
                i += 7;
                continue;
            }
            "{" => depth += 1,
            "}" => {
                depth -= 1;
                if inline.last().is_some_and(|m| m.1 > depth) {
                    inline.pop();
                }
                cfg_test = false;
            }
            ";" => cfg_test = false,
            "mod" if toks.get(i + 2).is_some_and(|t| t == "{") => {
                inline.push((toks[i + 1].clone(), depth + 1, cfg_test));
                cfg_test = false;
                depth += 1;
                i += 3;
                continue;
            }
            "use" => {
                let end = toks[i..].iter().position(|t| t == ";").map_or(toks.len(), |e| i + e);
                let public = i > 0 && (toks[i - 1] == "pub" || (toks[i - 1] == ")" && i >= 4 && toks[i - 4] == "pub"));
                if !in_test && !cfg_test {
                    let mut leaves = Vec::new();
                    use_tree(&toks[i + 1..end], &[], &mut leaves);
                    for (path, alias) in leaves {
                        if let Some(abs) = absolute(&here, &path, modules, true) {
                            let reexport_as = public.then(|| alias.or_else(|| abs.last().cloned())).flatten();
                            out.push(NamedPath { path: abs, reexport_as });
                        }
                    }
                }
                cfg_test = false;
                i = end + 1;
                continue;
            }
            "crate" | "super" if toks.get(i + 1).is_some_and(|t| t == "::") && (i == 0 || toks[i - 1] != "::") => {
                let mut path = vec![t.to_string()];
                let mut j = i + 1;
                while toks.get(j).is_some_and(|t| t == "::") && toks.get(j + 1).is_some_and(|t| is_ident(t)) {
                    path.push(toks[j + 1].clone());
                    j += 2;
                }
                if !in_test && let Some(abs) = absolute(&here, &path, modules, false) {
                    out.push(NamedPath { path: abs, reexport_as: None });
                }
                i = j;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// A path made absolute from module `here`, or None if it names another crate.
fn absolute(
    here: &[String],
    path: &[String],
    modules: &std::collections::BTreeMap<Vec<String>, String>,
    in_use: bool,
) -> Option<Vec<String>> {
    let mut base: Vec<String> = here.to_vec();
    let mut rest = path;
    match path.first().map(String::as_str) {
        Some("crate") => {
            base.clear();
            rest = &path[1..];
        }
        Some("super") | Some("self") => {
            while let Some(first) = rest.first() {
                match first.as_str() {
                    "super" => {
                        base.pop();
                    }
                    "self" => {}
                    _ => break,
                }
                rest = &rest[1..];
            }
        }
        Some(first) if in_use => {
            // `use child::Item` (a child module of this file's module); anything else is another crate.
            let mut child = here.to_vec();
            child.push(first.to_string());
            if !modules.contains_key(&child) {
                return None;
            }
        }
        _ => return None,
    }
    base.extend_from_slice(rest);
    Some(base)
}

/// The leaves of a `use` tree (the tokens after `use`, or of one item of a group), each with its alias.
fn use_tree(toks: &[String], prefix: &[String], out: &mut Vec<(Vec<String>, Option<String>)>) {
    let mut path = prefix.to_vec();
    for (i, t) in toks.iter().enumerate() {
        match t.as_str() {
            "{" => {
                // The group's items, split at its own commas.
                let (mut depth, mut start) = (0, i + 1);
                for (j, u) in toks.iter().enumerate().skip(i) {
                    match u.as_str() {
                        "{" => depth += 1,
                        "}" | "," if depth == 1 => {
                            use_tree(&toks[start..j], &path, out);
                            start = j + 1;
                            if u == "}" {
                                return;
                            }
                        }
                        "}" => depth -= 1,
                        _ => {}
                    }
                }
                return;
            }
            "*" => return out.push((path, None)),
            "as" => return out.push((path, toks.get(i + 1).cloned())),
            // `{self, …}`: the group's own path.
            "self" if !prefix.is_empty() => {}
            t if is_ident(t) => path.push(t.to_string()),
            _ => {}
        }
    }
    if !toks.is_empty() {
        out.push((path, None));
    }
}

fn is_ident(t: &str) -> bool {
    t.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_')
}

/// Tokens for reading paths: identifiers, `::`, and each other punctuation character on its own.
fn use_tokens(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = code.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_alphanumeric() || c == '_' {
            let mut word = c.to_string();
            while let Some(next) = chars.next_if(|n| n.is_alphanumeric() || *n == '_') {
                word.push(next);
            }
            out.push(word);
        } else if c == ':' && chars.next_if_eq(&':').is_some() {
            out.push("::".to_string());
        } else if !c.is_whitespace() {
            out.push(c.to_string());
        }
    }
    out
}

/// The strongly connected components of more than one file, each sorted, in a stable order.
fn cycles_of(graph: &std::collections::BTreeMap<String, std::collections::BTreeSet<String>>) -> Vec<Vec<String>> {
    let reach = |from: &String| {
        let mut seen = std::collections::BTreeSet::new();
        let mut stack = vec![from.clone()];
        while let Some(f) = stack.pop() {
            for to in graph.get(&f).into_iter().flatten() {
                if seen.insert(to.clone()) {
                    stack.push(to.clone());
                }
            }
        }
        seen
    };
    let reachable: std::collections::BTreeMap<&String, _> = graph.keys().map(|f| (f, reach(f))).collect();
    let mut cycles: Vec<Vec<String>> = Vec::new();
    for f in graph.keys() {
        if cycles.iter().any(|c| c.contains(f)) || !reachable[f].contains(f) {
            continue;
        }
        let component: Vec<String> =
            graph.keys().filter(|g| reachable[f].contains(*g) && reachable[*g].contains(f)).cloned().collect();
        cycles.push(component);
    }
    cycles
}

/// One cycle through the component's first file, as `a → b → a`.
fn example_path(
    graph: &std::collections::BTreeMap<String, std::collections::BTreeSet<String>>,
    component: &[String],
) -> String {
    let start = &component[0];
    // Breadth-first within the component until an edge leads back to the start.
    let mut prev: std::collections::BTreeMap<&String, &String> = Default::default();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(f) = queue.pop_front() {
        for to in graph.get(f).into_iter().flatten().filter(|t| component.contains(*t)) {
            if to == start {
                let mut chain = Vec::new();
                let mut at = f;
                while at != start {
                    chain.push(at.as_str());
                    at = prev[at];
                }
                chain.reverse();
                let path: Vec<&str> = [start.as_str()].into_iter().chain(chain).chain([start.as_str()]).collect();
                return path.join(" → ");
            }
            if !prev.contains_key(to) {
                prev.insert(to, f);
                queue.push_back(to);
            }
        }
    }
    component.join(" → ")
}

/// The cycle scanner on small fixtures: `use` trees, aliases, re-exports, inline paths, `super`, test modules.
#[test]
fn the_import_scanner_reads_use_trees_paths_and_reexports() {
    let files: Vec<(String, String)> = [
        ("lib.rs", "pub mod a; pub mod b;"),
        ("a/mod.rs", "mod inner; pub use inner::Thing; pub(crate) use inner::Other as Renamed;"),
        ("a/inner.rs", "use crate::b::{self, c::{X, Y as Z}};\npub struct Thing;"),
        (
            "a/lone.rs",
            "fn f() { let _ = crate::a::Thing; } // crate::b::c::X in a comment\nconst S: &str = \"crate::b\";",
        ),
        ("b/mod.rs", "pub mod c;"),
        ("b/c.rs", "use super::super::a::Renamed;\n#[cfg(test)]\nmod tests { use crate::a::lone::*; }"),
        ("b/d.rs", "use super::c::X; fn f() { super::c::g(); std::mem::drop(1); serde::x(); }"),
    ]
    .iter()
    .map(|(f, t)| (f.to_string(), t.to_string()))
    .collect();
    let graph = import_graph(&files);
    let edges = |f: &str| graph[f].iter().cloned().collect::<Vec<_>>();
    assert_eq!(edges("a/mod.rs"), Vec::<String>::new(), "re-exports are aliases, not imports");
    assert_eq!(edges("a/inner.rs"), ["b/c.rs", "b/mod.rs"]);
    assert_eq!(edges("a/lone.rs"), ["a/inner.rs"], "through the re-export; comments and strings do not count");
    assert_eq!(edges("b/c.rs"), ["a/inner.rs"], "super::super, an alias, and no test module");
    assert_eq!(edges("b/d.rs"), ["b/c.rs"]);
    assert_eq!(cycles_of(&graph), [["a/inner.rs", "b/c.rs"]]);
    assert_eq!(example_path(&graph, &cycles_of(&graph)[0]), "a/inner.rs → b/c.rs → a/inner.rs");
}
