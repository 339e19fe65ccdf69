use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::MimeBundle;
use crate::wire::ChildEvent;

/// A value that can show itself in a notebook.
pub trait Render {
    /// The value's representations. Include `text/plain` (see [`MimeBundle::text`]).
    fn mime_bundle(&self) -> MimeBundle;
}

impl<T: Render + ?Sized> Render for &T {
    fn mime_bundle(&self) -> MimeBundle {
        (**self).mime_bundle()
    }
}

impl Render for MimeBundle {
    fn mime_bundle(&self) -> MimeBundle {
        self.clone()
    }
}

/// The hook evcxr calls on a cell's final value. Implemented for every [`Render`]
/// type; the kernel keeps this trait in scope in every cell.
pub trait EvcxrDisplay {
    /// Prints the value in evcxr's `EVCXR_BEGIN_CONTENT` format.
    fn evcxr_display(&self);
}

impl<T: Render + ?Sized> EvcxrDisplay for T {
    fn evcxr_display(&self) {
        let bundle = self.mime_bundle();
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        for (mime_type, value) in bundle.data() {
            let text = match value {
                serde_json::Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            // A write error means the kernel is gone; nothing useful is left to do.
            let _ = writeln!(
                out,
                "EVCXR_BEGIN_CONTENT {mime_type}\n{text}\nEVCXR_END_CONTENT"
            );
        }
        let _ = out.flush();
    }
}

/// evcxr's hook for final values that are not [`Render`]: their `Debug` text, as
/// evcxr itself would show it. The kernel hands evcxr the cell's final expression
/// borrowed (`&(value)`); this trait is implemented for references, so method lookup
/// reaches it one step after [`EvcxrDisplay`] and a `Render` type always shows its
/// rich form. Without it evcxr compiles a failing `evcxr_display` call for every
/// such value, then compiles the cell again.
pub trait EvcxrDebugDisplay {
    /// Prints the value's `Debug` text as `text/plain`.
    fn evcxr_display(&self);
}

impl<T: std::fmt::Debug + ?Sized> EvcxrDebugDisplay for &T {
    fn evcxr_display(&self) {
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        let _ = writeln!(
            out,
            "EVCXR_BEGIN_CONTENT text/plain\n{self:?}\nEVCXR_END_CONTENT"
        );
        let _ = out.flush();
    }
}

/// Refers to an output shown with [`display_with_id`], so it can be replaced later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayHandle {
    id: String,
}

impl DisplayHandle {
    /// The Jupyter display id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Replaces the output this handle refers to with `value`.
    pub fn update(&self, value: &(impl Render + ?Sized)) {
        update_display(value, self);
    }
}

/// Shows `value` in the notebook now, below the cell, before the cell finishes.
/// Several calls in one cell add several outputs, in order.
pub fn display(value: &(impl Render + ?Sized)) {
    emit(value.mime_bundle(), None, false);
}

/// Like [`display`], and returns a handle that [`update_display`] can replace.
pub fn display_with_id(value: &(impl Render + ?Sized)) -> DisplayHandle {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let id = format!(
        "huntrs-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    emit(value.mime_bundle(), Some(id.clone()), false);
    DisplayHandle { id }
}

/// Replaces an output shown with [`display_with_id`], wherever it is in the notebook.
pub fn update_display(value: &(impl Render + ?Sized), handle: &DisplayHandle) {
    emit(value.mime_bundle(), Some(handle.id.clone()), true);
}

/// Clears the cell's output; with `wait`, only when the next output arrives.
pub fn clear_output(wait: bool) {
    send(&ChildEvent::Clear { wait });
}

fn emit(bundle: MimeBundle, display_id: Option<String>, update: bool) {
    send(&ChildEvent::Display {
        data: bundle.data().clone(),
        metadata: bundle.metadata().clone(),
        display_id,
        update,
    });
}

pub(crate) fn send(event: &ChildEvent) {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let _ = writeln!(out, "{}", event.to_line());
    let _ = out.flush();
}

/// Escapes text for use inside HTML elements and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(ch),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape_html(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
