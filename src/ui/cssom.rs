//! Style computed at run time, applied through the CSSOM. The page's Content-Security-Policy (index.html) has no
//! 'unsafe-inline' for styles, so it refuses `style="…"` attributes (Yew sets them with `setAttribute`) and
//! `<style>` elements; it does not restrict the CSSOM (`element.style`, constructed style sheets).
//! - [`use_inline_styles`]: per-element declarations (`left: 12%`, `transform: translate(…)`, `--fade: 0.5`), in
//!   place of `style=`.
//! - [`use_style_sheet`]: a computed style sheet (the spotlight's rules), in place of a `<style>` element.
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// The inline styles of a component's elements: `ref={styles.node(css)}` on each element (instead of
/// `style={css}`); set once the render is in the DOM, before the browser paints. CSS transitions still run: a
/// changed value is set on the same element.
#[derive(Clone, Default)]
pub struct InlineStyles(Rc<RefCell<Styles>>);

#[derive(Default)]
struct Styles {
    /// This render's elements and their declarations, in render order.
    wanted: Vec<(NodeRef, String)>,
    /// What the last render set, in the same order: an element whose entry is unchanged is not touched.
    set: Vec<(web_sys::Element, String)>,
}

impl InlineStyles {
    /// A ref for an element whose inline style is `css` (declarations, as in a `style` attribute): give it to the
    /// element as its `ref`.
    pub fn node(&self, css: impl Into<String>) -> NodeRef {
        let node = NodeRef::default();
        self.0.borrow_mut().wanted.push((node.clone(), css.into()));
        node
    }

    fn apply(&self) {
        let mut styles = self.0.borrow_mut();
        let wanted = std::mem::take(&mut styles.wanted);
        let mut set = Vec::with_capacity(wanted.len());
        for (i, (node, css)) in wanted.into_iter().enumerate() {
            let Some(el) = node.cast::<web_sys::Element>() else { continue };
            let unchanged = styles.set.get(i).is_some_and(|(e, c)| *c == css && *e == el);
            if !unchanged {
                set_css_text(&el, &css);
            }
            set.push((el, css));
        }
        styles.set = set;
    }
}

/// `el.style.cssText = css`, for an HTML or an SVG element.
fn set_css_text(el: &web_sys::Element, css: &str) {
    if let Some(h) = el.dyn_ref::<web_sys::HtmlElement>() {
        h.style().set_css_text(css);
    } else if let Some(s) = el.dyn_ref::<web_sys::SvgElement>() {
        s.style().set_css_text(css);
    }
}

/// Inline styles for the elements of this component's render (see [`InlineStyles`]).
#[hook]
pub fn use_inline_styles() -> InlineStyles {
    let styles = (*use_memo((), |_| InlineStyles::default())).clone();
    // A new render: only its elements count.
    styles.0.borrow_mut().wanted.clear();
    {
        let styles = styles.clone();
        use_effect(move || styles.apply());
    }
    styles
}

/// A style sheet with the text `css`, in the document while the component is mounted (adopted after the page's own
/// sheets, so it wins over them at equal specificity, as a `<style>` element at the end of the body did).
#[hook]
pub fn use_style_sheet(css: String) {
    let sheet = use_memo((), |_| web_sys::CssStyleSheet::new().ok());
    {
        let sheet = sheet.clone();
        use_effect_with((), move |_| {
            if let Some(s) = &*sheet {
                adopt(s, true);
            }
            move || {
                if let Some(s) = &*sheet {
                    adopt(s, false);
                }
            }
        });
    }
    use_effect_with(css, move |css| {
        if let Some(s) = &*sheet {
            // Rules the browser cannot parse are dropped, as in a <style> element; replaceSync fails only on @import.
            let _ = s.replace_sync(css);
        }
    });
}

/// Add `sheet` to (or remove it from) the document's adopted style sheets.
fn adopt(sheet: &web_sys::CssStyleSheet, on: bool) {
    let doc = gloo::utils::document();
    let own: &wasm_bindgen::JsValue = sheet.as_ref();
    let sheets: web_sys::js_sys::Array = doc.adopted_style_sheets().iter().filter(|s| s != own).collect();
    if on {
        sheets.push(sheet);
    }
    doc.set_adopted_style_sheets(&sheets);
}

#[derive(Properties, PartialEq)]
pub struct ComputedStyleProps {
    /// The style sheet's text; empty: no rules.
    pub css: AttrValue,
}

/// A computed style sheet, in place of `<style>{ css }</style>`: draws nothing; the sheet lives while it is mounted.
#[component(ComputedStyle)]
pub fn computed_style(props: &ComputedStyleProps) -> Html {
    use_style_sheet(props.css.to_string());
    Html::default()
}
