//! "Export" (issue 13, "Take the answer to the design doc"): the setup back as a Ray Serve config (merged over the
//! imported one, so the fields Gangplank does not simulate come back too) and as a scenario file, and the cluster
//! view at this moment as SVG and as PNG (the SVG drawn on a canvas at twice its size), and a Markdown report (the
//! setup, the key events with their causes, and the comparison table when one is open).
use crate::app::config_import::serve_config_yaml;
use crate::app::import::export_scenario;
use crate::app::link;
use crate::ui::cluster_svg::cluster_svg;
use crate::ui::download::{download, download_url, file_stem};
use crate::ui::state::UiState;
use crate::ui::storage::shared_of_state;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ExportMenuProps {
    pub state: UseReducerHandle<UiState>,
}

/// The width and height an SVG document declares on its root.
pub fn svg_size(svg: &str) -> (f64, f64) {
    let attr = |name: &str| {
        let root = &svg[..svg.find('>').unwrap_or(svg.len())];
        root.split(&format!(" {name}=\"")).nth(1).and_then(|r| r.split('"').next()).and_then(|v| v.parse().ok())
    };
    (attr("width").unwrap_or(800.0), attr("height").unwrap_or(600.0))
}

/// Draw `svg` on a canvas at `scale` and offer it as a PNG called `name`.
pub fn download_png(svg: &str, name: String, scale: f64) {
    let (w, h) = svg_size(svg);
    let Ok(img) = web_sys::HtmlImageElement::new() else { return };
    let url = format!("data:image/svg+xml;charset=utf-8,{}", String::from(web_sys::js_sys::encode_uri_component(svg)));
    let drawn = img.clone();
    let onload = Closure::once(move || {
        let doc = gloo::utils::document();
        let Some(canvas) =
            doc.create_element("canvas").ok().and_then(|c| c.dyn_into::<web_sys::HtmlCanvasElement>().ok())
        else {
            return;
        };
        canvas.set_width((w * scale).ceil() as u32);
        canvas.set_height((h * scale).ceil() as u32);
        let ctx = canvas
            .get_context("2d")
            .ok()
            .flatten()
            .and_then(|c| c.dyn_into::<web_sys::CanvasRenderingContext2d>().ok());
        if let Some(ctx) = ctx {
            let _ = ctx.scale(scale, scale);
            let _ = ctx.draw_image_with_html_image_element(&drawn, 0.0, 0.0);
            if let Ok(data) = canvas.to_data_url_with_type("image/png") {
                download_url(&name, &data);
            }
        }
    });
    img.set_onload(Some(onload.as_ref().unchecked_ref()));
    onload.forget();
    img.set_src(&url);
}

/// The open comparison's table (Markdown), measured to the end now (the comparison view measures it in slices; a
/// report is asked for once).
fn comparison_markdown(st: &UiState) -> Option<String> {
    let pane = st.compare.as_ref()?;
    let mut job = pane.side.borrow().job();
    while !job.step(50_000) {}
    Some(job.finish().to_markdown())
}

/// The page's address with this moment's share link.
fn link_here(st: &UiState) -> String {
    crate::ui::storage::link_url(&link::encode(&shared_of_state(st)))
}

fn title_of(st: &UiState) -> String {
    format!("{} at {:.1} s", st.scenario_name, st.now.as_secs_f64())
}

#[component(ExportMenu)]
pub fn export_menu(props: &ExportMenuProps) -> Html {
    let st = props.state.clone();
    let on_serve = {
        let st = st.clone();
        Callback::from(move |_: MouseEvent| {
            let text = serve_config_yaml(st.session.0.borrow().scenario());
            download(&format!("{}.serve.yaml", file_stem(&st)), "application/yaml", &text);
        })
    };
    let on_scenario = {
        let st = st.clone();
        Callback::from(move |_: MouseEvent| {
            let text = export_scenario(&st.session.0.borrow());
            download(&format!("{}.scenario.json", file_stem(&st)), "application/json", &text);
        })
    };
    let on_report = {
        let st = st.clone();
        Callback::from(move |_: MouseEvent| {
            let comparison = comparison_markdown(&st);
            let link = link_here(&st);
            let text = crate::app::report::markdown(&st.session.0.borrow(), Some(&link), comparison.as_deref());
            download(&format!("{}.report.md", file_stem(&st)), "text/markdown", &text);
        })
    };
    let on_svg = {
        let st = st.clone();
        Callback::from(move |_: MouseEvent| {
            let svg = cluster_svg(&st.snapshot, &st.gang_hues, &title_of(&st));
            download(&format!("{}.svg", file_stem(&st)), "image/svg+xml", &svg);
        })
    };
    let on_png = {
        let st = st.clone();
        Callback::from(move |_: MouseEvent| {
            let svg = cluster_svg(&st.snapshot, &st.gang_hues, &title_of(&st));
            download_png(&svg, format!("{}.png", file_stem(&st)), 2.0);
        })
    };
    html! {
        <details class="wb-export" data-testid="export-menu">
            <summary>{ "Export" }</summary>
            <div class="wb-export-items" role="group" aria-label="Export">
                <button type="button" onclick={on_serve} aria-label="Export Serve config (YAML)"
                    title="The applications as a Ray Serve config, over the one you imported">{ "Serve config (YAML)" }</button>
                <button type="button" onclick={on_scenario} aria-label="Export scenario JSON"
                    title="The scenario with your injected actions folded in">{ "Scenario (JSON)" }</button>
                <button type="button" onclick={on_report} aria-label="Export Markdown report"
                    title="The setup, the key events with their causes, and the comparison if one is open">{ "Markdown report" }</button>
                <button type="button" onclick={on_svg} aria-label="Export cluster view as SVG">{ "Cluster view (SVG)" }</button>
                <button type="button" onclick={on_png} aria-label="Export cluster view as PNG">{ "Cluster view (PNG)" }</button>
            </div>
        </details>
    }
}
