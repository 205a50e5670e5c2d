//! Files in and out of the page: downloads (text, or a data URL such as a PNG) and reading several picked or
//! dropped files as text (each checked against the import size limit before it is read).
use crate::app::import::check_read_size;
use crate::ui::state::UiState;
use wasm_bindgen::JsCast;
use yew::Callback;

/// Offer `content` as a file called `name`.
pub fn download(name: &str, mime: &str, content: &str) {
    let blob = gloo::file::Blob::new_with_options(content, Some(mime));
    let url = gloo::file::ObjectUrl::from(blob);
    download_url(name, &url);
    // Keep the object URL alive until the download has started.
    gloo::timers::callback::Timeout::new(5_000, move || drop(url)).forget();
}

/// Offer what `url` points at (an object URL or a `data:` URL) as a file called `name`.
pub fn download_url(name: &str, url: &str) {
    let doc = gloo::utils::document();
    if let Ok(a) = doc.create_element("a").map(|a| a.unchecked_into::<web_sys::HtmlAnchorElement>()) {
        a.set_href(url);
        a.set_download(name);
        a.set_attribute("hidden", "").ok();
        if let Some(body) = doc.body() {
            let _ = body.append_child(&a);
            a.click();
            let _ = body.remove_child(&a);
        }
    }
}

/// `gangplank-<preset or scenario name>-<time>s`: the stem of every exported file's name.
pub fn file_stem(st: &UiState) -> String {
    let base = if st.preset_id.is_empty() { st.scenario_name.as_str() } else { st.preset_id.as_str() };
    let clean: String = base
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' { c.to_ascii_lowercase() } else { '-' })
        .collect();
    let mut clean = clean.trim_matches('-').to_string();
    while clean.contains("--") {
        clean = clean.replace("--", "-");
    }
    format!("gangplank-{clean}-{:.1}s", st.now.as_secs_f64())
}

/// The files of a `FileList` (a file input's, or a drop's).
pub fn files_of(list: Option<web_sys::FileList>) -> Vec<web_sys::File> {
    let Some(list) = list else { return Vec::new() };
    (0..list.length()).filter_map(|i| list.get(i)).collect()
}

/// Read `files` as text, in order; `done` gets (name, text) for each, or the first reason one cannot be read (too
/// big, empty, unreadable), checked before anything is read.
pub fn read_files(files: Vec<web_sys::File>, done: Callback<Result<Vec<(String, String)>, String>>) {
    if files.is_empty() {
        return;
    }
    for f in &files {
        if let Err(e) = check_read_size(&f.name(), f.size() as u64) {
            done.emit(Err(e));
            return;
        }
    }
    yew::platform::spawn_local(async move {
        let mut out = Vec::with_capacity(files.len());
        for f in files {
            let name = f.name();
            let file = gloo::file::File::from(f);
            match gloo::file::futures::read_as_text(&file).await {
                Ok(text) => out.push((name, text)),
                Err(e) => {
                    done.emit(Err(format!("\"{name}\" could not be read: {e}")));
                    return;
                }
            }
        }
        done.emit(Ok(out));
    });
}
