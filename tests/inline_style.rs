//! The page's Content-Security-Policy (index.html) has no 'unsafe-inline' for styles: a `style` attribute or a
//! `<style>` element would be refused in the browser (and fail the e2e suite, but only on the paths it walks). Here
//! every UI source is checked: computed styles go through `src/ui/cssom.rs` (`ref={styles.node(css)}`,
//! `ComputedStyle`). The SVG export (`cluster_svg.rs`) is a file, not the page: it may style itself.
use std::fs;
use std::path::Path;

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// What in `line` the policy would refuse, if anything.
fn refused(line: &str) -> Option<&'static str> {
    let code = line.split("//").next().unwrap_or_default();
    let attribute = code.match_indices("style=").any(|(i, _)| {
        let before = code[..i].chars().next_back();
        before.is_none_or(|c| c.is_whitespace() || c == '"' || c == '\'')
    });
    if attribute {
        Some("a style= attribute")
    } else if code.contains("<style") {
        Some("a <style> element")
    } else if code.contains("set_attribute(\"style\"") {
        Some("a style attribute set by hand")
    } else {
        None
    }
}

#[test]
fn no_inline_style_in_the_ui() {
    let mut files = Vec::new();
    rust_files(Path::new("src/ui"), &mut files);
    files.sort();
    assert!(files.len() > 20, "found the UI sources ({} files)", files.len());
    let mut found = Vec::new();
    for file in files.iter().filter(|f| !f.ends_with("cluster_svg.rs")) {
        let text = fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            if let Some(what) = refused(line) {
                found.push(format!("{}:{}: {what} (use src/ui/cssom.rs): {}", file.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(found.is_empty(), "inline style the page's Content-Security-Policy refuses:\n{}", found.join("\n"));
}

#[test]
fn the_check_sees_what_it_must_and_only_that() {
    assert!(refused(r#"<div class="x" style={format!("left: {x}%")}>"#).is_some());
    assert!(refused(r#"<span style="color: red">"#).is_some());
    assert!(refused(r#"html! { <style>{ css }</style> }"#).is_some());
    assert!(refused(r#"el.set_attribute("style", "width: 1px")"#).is_some());
    assert!(refused(r#"<text font-style="italic">"#).is_none());
    assert!(refused(r#"<div ref={styles.node(css)}>"#).is_none());
    assert!(refused(r#"// a style= attribute would be refused"#).is_none());
}
