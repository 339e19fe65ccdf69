//! [`SelectItem`]: a filterable list whose items carry values (msticpy's
//! `nbwidgets.SelectItem`), and the list core the alert and session browsers share.

use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use super::registry;
use super::{composite_bundle, control_html, set_layout, wide_description};
use crate::widgets::{Container, Output, Select, Text};
use crate::{MimeBundle, Render, escape_html};

type Action<T> = Arc<dyn Fn(&T) + Send + Sync>;
type Details<T> = Arc<dyn Fn(&T) -> MimeBundle + Send + Sync>;
type Extra<T> = Arc<dyn Fn(&T) -> bool + Send + Sync>;

struct ListState<T> {
    items: Vec<(String, T)>,
    /// Positions in `items` of the labels the list shows, in order: the front end's
    /// index is a position in this.
    visible: Vec<usize>,
    /// A further filter (the alert browser's severity).
    extra: Option<Extra<T>>,
    actions: Vec<Action<T>>,
    details: Option<Details<T>>,
    /// The item whose details are shown, to act once per change of selection.
    shown: Option<usize>,
}

/// A filter box, a list and an output area for the selected item's details. Labels
/// and indexes go to the front end; the values stay here.
pub(super) struct ListPicker<T> {
    pub(super) filter: Text,
    pub(super) select: Select,
    pub(super) details: Output,
    state: Arc<Mutex<ListState<T>>>,
}

impl<T> Clone for ListPicker<T> {
    fn clone(&self) -> Self {
        ListPicker {
            filter: self.filter.clone(),
            select: self.select.clone(),
            details: self.details.clone(),
            state: Arc::clone(&self.state),
        }
    }
}

impl<T> std::fmt::Debug for ListPicker<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ListPicker")
            .field("select", &self.select)
            .finish_non_exhaustive()
    }
}

fn matches(label: &str, filter: &str) -> bool {
    filter.is_empty() || label.to_lowercase().contains(&filter.to_lowercase())
}

impl<T: Clone + Send + Sync + 'static> ListPicker<T> {
    pub(super) fn new(items: Vec<(String, T)>, description: &str) -> ListPicker<T> {
        let labels: Vec<&str> = items.iter().map(|(l, _)| l.as_str()).collect();
        let select = Select::new(&labels)
            .with_rows(8)
            .with_description(description);
        wide_description(select.widget());
        set_layout(select.widget(), "width", "95%");
        let filter = Text::new("")
            .with_description("Filter")
            .with_placeholder("text to look for, then Enter");
        let visible = (0..items.len()).collect();
        let picker = ListPicker {
            filter,
            select,
            details: Output::new(),
            state: Arc::new(Mutex::new(ListState {
                items,
                visible,
                extra: None,
                actions: Vec::new(),
                details: None,
                shown: None,
            })),
        };
        let me = picker.clone();
        picker.filter.widget().on_change(move |key, _| {
            if key == "value" {
                me.refilter();
            }
        });
        let me = picker.clone();
        picker.select.on_change(move |_| me.selection_changed());
        picker
    }

    /// Shows the items that pass the filters, keeping the selected one if it passes.
    pub(super) fn refilter(&self) {
        let text = self.filter.value();
        let current = self.selected_position();
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        let extra = state.extra.clone();
        state.visible = state
            .items
            .iter()
            .enumerate()
            .filter(|(_, (label, value))| {
                matches(label, text.trim()) && extra.as_ref().is_none_or(|f| f(value))
            })
            .map(|(i, _)| i)
            .collect();
        let labels: Vec<Value> = state
            .visible
            .iter()
            .map(|&i| json!(state.items[i].0))
            .collect();
        let index = current
            .and_then(|c| state.visible.iter().position(|&i| i == c))
            .or(if state.visible.is_empty() {
                None
            } else {
                Some(0)
            });
        drop(state);
        self.select.widget().set_many(
            [
                ("_options_labels".to_owned(), Value::Array(labels)),
                ("index".to_owned(), index.map_or(Value::Null, |i| json!(i))),
            ]
            .into_iter()
            .collect(),
        );
        self.selection_changed();
    }

    pub(super) fn set_extra_filter(&self, extra: Option<Extra<T>>) {
        if let Ok(mut state) = self.state.lock() {
            state.extra = extra;
        }
        self.refilter();
    }

    /// The selected item's position in the full list.
    pub(super) fn selected_position(&self) -> Option<usize> {
        let index = self.select.index()?;
        let state = self.state.lock().ok()?;
        state.visible.get(index).copied()
    }

    pub(super) fn selected(&self) -> Option<(String, T)> {
        let position = self.selected_position()?;
        let state = self.state.lock().ok()?;
        state.items.get(position).cloned()
    }

    /// Selects the item at `position` of the full list (clearing the filters that
    /// hide it); `None` clears the selection.
    pub(super) fn select_position(&self, position: Option<usize>) {
        let Some(position) = position else {
            self.select.set_index(None);
            self.selection_changed();
            return;
        };
        let visible_at = |me: &Self| {
            me.state
                .lock()
                .ok()
                .and_then(|s| s.visible.iter().position(|&i| i == position))
        };
        if visible_at(self).is_none() {
            self.filter.set_value("");
            if let Ok(mut state) = self.state.lock() {
                state.extra = None;
            }
            self.refilter();
        }
        if let Some(index) = visible_at(self) {
            self.select.set_index(Some(index));
        }
        self.selection_changed();
    }

    pub(super) fn select_label(&self, label: &str) -> bool {
        let position = self
            .state
            .lock()
            .ok()
            .and_then(|s| s.items.iter().position(|(l, _)| l == label));
        if position.is_some() {
            self.select_position(position);
        }
        position.is_some()
    }

    /// Runs the actions and shows the details when the selected item changed.
    fn selection_changed(&self) {
        let selected = self.selected_position();
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        if state.shown == selected {
            return;
        }
        state.shown = selected;
        let item = selected.and_then(|p| state.items.get(p).map(|(_, v)| v.clone()));
        let actions = state.actions.clone();
        let details = state.details.clone();
        // User code runs without the lock: it may read this list.
        drop(state);
        self.show_details(item.as_ref(), details.as_ref());
        if let Some(item) = &item {
            for action in &actions {
                action(item);
            }
        }
    }

    fn show_details(&self, item: Option<&T>, details: Option<&Details<T>>) {
        let Some(details) = details else {
            return;
        };
        self.details.clear();
        if let Some(item) = item {
            self.details.append_display(&details(item));
        }
    }

    pub(super) fn on_select(&self, action: Action<T>) {
        if let Ok(mut state) = self.state.lock() {
            state.actions.push(action);
        }
    }

    pub(super) fn set_details(&self, details: Details<T>) {
        let position = self.selected_position();
        let item = self.selected().map(|(_, v)| v);
        if let Ok(mut state) = self.state.lock() {
            state.details = Some(Arc::clone(&details));
            state.shown = position;
        }
        self.show_details(item.as_ref(), Some(&details));
    }

    /// The selected item's details as static HTML (for a composite's fallback).
    pub(super) fn details_html(&self) -> String {
        let details = self.state.lock().ok().and_then(|s| s.details.clone());
        match (self.selected(), details) {
            (Some((_, item)), Some(details)) => details(&item)
                .get("text/html")
                .unwrap_or_default()
                .to_owned(),
            _ => String::new(),
        }
    }

    pub(super) fn counts(&self) -> (usize, usize) {
        self.state
            .lock()
            .map(|s| (s.visible.len(), s.items.len()))
            .unwrap_or_default()
    }

    pub(super) fn items(&self) -> Vec<(String, T)> {
        self.state
            .lock()
            .map(|s| s.items.clone())
            .unwrap_or_default()
    }

    /// What a re-run restores: the filter text and the selected label.
    pub(super) fn saved(&self) -> Value {
        json!({"filter": self.filter.value(), "label": self.selected().map(|(l, _)| l)})
    }

    pub(super) fn restore(&self, saved: &Value) {
        if let Some(filter) = saved["filter"].as_str()
            && !filter.is_empty()
        {
            self.filter.set_value(filter);
            self.refilter();
        }
        if let Some(label) = saved["label"].as_str() {
            self.select_label(label);
        }
    }

    /// "Selected: label (n of m shown)", HTML and plain.
    /// The static form of a widget built around this list: `title`, the list, the
    /// chosen item's details and the summary; plain text `<plain_prefix>: <summary>`.
    pub(super) fn bundle(&self, root: &Container, title: &str, plain_prefix: &str) -> MimeBundle {
        let (summary, plain) = self.summary();
        let body = format!("{}{}", control_html(&self.select), self.details_html());
        composite_bundle(
            root,
            title,
            &body,
            &summary,
            format!("{plain_prefix}: {plain}"),
        )
    }

    pub(super) fn summary(&self) -> (String, String) {
        let (shown, all) = self.counts();
        let label = self.selected().map(|(l, _)| l);
        let plain = match &label {
            Some(l) => format!("selected '{l}' ({shown} of {all} shown)"),
            None => format!("nothing selected ({shown} of {all} shown)"),
        };
        let html = match &label {
            Some(l) => format!(
                "Selected: <b>{}</b> ({shown} of {all} shown)",
                escape_html(l)
            ),
            None => format!("Nothing selected ({shown} of {all} shown)"),
        };
        (html, plain)
    }
}

/// Picks one item from a list, with a filter box; each label carries a value `T`
/// kept in Rust (the front end only sees labels and positions). An action can run on
/// each selection, and a details function shows the selected item below the list.
///
/// The filter matches labels case-insensitively, when the user presses Enter.
///
/// ```
/// use nbtools::widgets::{SelectItem, SelectString};
///
/// let hosts = SelectItem::from_items([("web01 (10.0.0.5)", 5), ("db02 (10.0.0.9)", 9)])
///     .with_description("Host")
///     .with_details(|octet: &i32| nbtools::MimeBundle::text(format!("last octet {octet}")));
/// hosts.on_select(|octet| println!("picked {octet}"));
/// assert_eq!(hosts.value(), Some(5));
/// hosts.select(Some(1));
/// assert_eq!((hosts.index(), hosts.label().as_deref()), (Some(1), Some("db02 (10.0.0.9)")));
///
/// let colours = SelectString::new(&["red", "green"]).key("colour");
/// assert_eq!(colours.value().as_deref(), Some("red"));
/// ```
#[derive(Debug, Clone)]
pub struct SelectItem<T> {
    list: ListPicker<T>,
    root: Container,
}

/// A [`SelectItem`] of strings: each label is its own value.
pub type SelectString = SelectItem<String>;

impl SelectItem<String> {
    /// A list of `options`, the first selected.
    pub fn new(options: &[impl AsRef<str>]) -> SelectItem<String> {
        SelectItem::from_items(
            options
                .iter()
                .map(|o| (o.as_ref().to_owned(), o.as_ref().to_owned())),
        )
    }
}

impl<T: Clone + Send + Sync + 'static> SelectItem<T> {
    /// A list of `(label, value)` items, the first selected.
    pub fn from_items<L: Into<String>>(items: impl IntoIterator<Item = (L, T)>) -> SelectItem<T> {
        let items: Vec<(String, T)> = items.into_iter().map(|(l, v)| (l.into(), v)).collect();
        let list = ListPicker::new(items, "Select an item");
        let root = Container::vbox(&[
            list.filter.widget(),
            list.select.widget(),
            list.details.widget(),
        ]);
        let me = SelectItem { list, root };
        me.list.refilter();
        me
    }

    /// The label before the list.
    pub fn with_description(self, description: &str) -> Self {
        self.list.select.widget().set("description", description);
        self
    }

    /// Starts with this filter text.
    pub fn with_filter(self, text: &str) -> Self {
        self.list.filter.set_value(text);
        self.list.refilter();
        self
    }

    /// Runs `action(value)` each time another item is selected (between cells).
    pub fn on_select(&self, action: impl Fn(&T) + Send + Sync + 'static) {
        self.list.on_select(Arc::new(action));
    }

    /// Shows `details(value)` of the selected item below the list, replaced at each
    /// selection.
    pub fn with_details<R: Render>(
        self,
        details: impl Fn(&T) -> R + Send + Sync + 'static,
    ) -> Self {
        self.list
            .set_details(Arc::new(move |item: &T| details(item).mime_bundle()));
        self
    }

    /// The selected item's value.
    pub fn value(&self) -> Option<T> {
        self.list.selected().map(|(_, v)| v)
    }

    /// The selected item's label.
    pub fn label(&self) -> Option<String> {
        self.list.selected().map(|(l, _)| l)
    }

    /// The selected item's position in the list the widget was made from.
    pub fn index(&self) -> Option<usize> {
        self.list.selected_position()
    }

    /// Selects the item at `index` of the full list (clearing a filter that hides
    /// it), or nothing.
    pub fn select(&self, index: Option<usize>) {
        self.list.select_position(index);
    }

    /// Selects the first item labelled `label`; false when there is none.
    pub fn select_label(&self, label: &str) -> bool {
        self.list.select_label(label)
    }

    /// Every `(label, value)` item.
    pub fn items(&self) -> Vec<(String, T)> {
        self.list.items()
    }

    /// Names this widget so that a re-run of its cell keeps the filter and selection.
    pub fn key(self, key: &str) -> Self {
        let list = self.list.clone();
        if let Some(saved) =
            registry::claim("SelectItem", key, self.root.widget(), move || list.saved())
        {
            self.list.restore(&saved);
        }
        self
    }

    /// The box holding the controls.
    pub fn container(&self) -> &Container {
        &self.root
    }
}

impl<T: Clone + Send + Sync + 'static> Render for SelectItem<T> {
    fn mime_bundle(&self) -> MimeBundle {
        let title = self
            .list
            .select
            .widget()
            .get("description")
            .as_str()
            .unwrap_or("Select an item")
            .to_owned();
        self.list.bundle(&self.root, &title, &title)
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::front_end_update;
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn filtering_maps_front_end_indexes_to_values() {
        let pick =
            SelectItem::from_items([("alpha", 1), ("beta", 2), ("gamma", 3), ("Alphabet", 4)]);
        let seen = Arc::new(AtomicUsize::new(0));
        let sum = Arc::clone(&seen);
        pick.on_select(move |v| {
            sum.fetch_add(*v as usize, Ordering::SeqCst);
        });
        assert_eq!(pick.value(), Some(1));
        front_end_update(pick.list.filter.widget(), json!({"value": "ALPHA"}));
        assert_eq!(pick.list.select.options(), ["alpha", "Alphabet"]);
        assert_eq!(pick.value(), Some(1), "the selection is kept");
        front_end_update(pick.list.select.widget(), json!({"index": 1}));
        assert_eq!((pick.value(), pick.index()), (Some(4), Some(3)));
        assert_eq!(seen.load(Ordering::SeqCst), 4, "the action ran once");
        // Filtering the selected item out selects the first one shown.
        front_end_update(pick.list.filter.widget(), json!({"value": "gam"}));
        assert_eq!(pick.label().as_deref(), Some("gamma"));
        assert_eq!(seen.load(Ordering::SeqCst), 7);
        front_end_update(pick.list.filter.widget(), json!({"value": "zzz"}));
        assert_eq!(pick.value(), None);
        pick.select(Some(1));
        assert_eq!(
            pick.label().as_deref(),
            Some("beta"),
            "the filter is cleared"
        );
    }

    #[test]
    fn details_follow_the_selection_and_show_statically() {
        let pick = SelectString::new(&["a<b", "c"])
            .with_description("Pick")
            .with_details(|s: &String| {
                MimeBundle::text(s.clone()).with_html(format!("<i>{}</i>", escape_html(s)))
            });
        assert_eq!(pick.list.details.outputs().len(), 1);
        front_end_update(pick.list.select.widget(), json!({"index": 1}));
        let outputs = pick.list.details.outputs();
        assert_eq!(outputs[0]["data"]["text/plain"], "c");
        let bundle = pick.mime_bundle();
        assert!(
            bundle
                .get("text/plain")
                .unwrap()
                .starts_with("Pick: selected 'c' (2 of 2 shown)")
        );
        assert!(bundle.get("text/html").unwrap().contains("<i>c</i>"));
        assert!(bundle.get("text/html").unwrap().contains("a&lt;b"));
    }

    #[test]
    fn a_keyed_list_keeps_filter_and_selection() {
        let first = SelectString::new(&["one", "two", "three"]).key("select-item-test");
        front_end_update(first.list.filter.widget(), json!({"value": "t"}));
        front_end_update(first.list.select.widget(), json!({"index": 1}));
        assert_eq!(first.value().as_deref(), Some("three"));
        let second = SelectString::new(&["one", "two", "three"]).key("select-item-test");
        assert_eq!(second.value().as_deref(), Some("three"));
        assert_eq!(second.list.filter.value(), "t");
        let empty = SelectString::new(&[] as &[&str]);
        assert_eq!(empty.value(), None);
    }
}
