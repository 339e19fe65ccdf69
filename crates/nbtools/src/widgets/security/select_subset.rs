//! [`SelectSubset`]: pick a subset of a list with two lists and four buttons
//! (msticpy's `nbwidgets.SelectSubset`).

use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use super::registry;
use super::{composite_bundle, control_html, set_layout, wide_description};
use crate::widgets::{Button, Container, SelectMultiple, Text};
use crate::{MimeBundle, Render, escape_html};

struct SubsetState<T> {
    items: Vec<(String, T)>,
    /// Positions in `items` the source list shows (after the filter).
    source: Vec<usize>,
    /// Positions in `items` chosen, in list order.
    chosen: Vec<usize>,
}

/// Two lists: the items to choose from (with a filter box) and the chosen ones, with
/// *Add*, *Add all*, *Remove* and *Remove all* buttons between them. Items can carry
/// values (`SelectSubset::from_items`); the front end only sees labels.
///
/// ```
/// use nbtools::widgets::SelectSubset;
///
/// let hosts = SelectSubset::new(&["web01", "web02", "db01"]).with_selected(&["db01"]);
/// assert_eq!(hosts.selected(), ["db01"]);
/// hosts.add_all();
/// assert_eq!(hosts.selected().len(), 3);
/// ```
#[derive(Clone)]
pub struct SelectSubset<T = String> {
    filter: Text,
    source: SelectMultiple,
    chosen: SelectMultiple,
    add: Button,
    add_all: Button,
    remove: Button,
    remove_all: Button,
    root: Container,
    state: Arc<Mutex<SubsetState<T>>>,
}

impl<T> std::fmt::Debug for SelectSubset<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SelectSubset")
            .field("root", &self.root)
            .finish_non_exhaustive()
    }
}

impl SelectSubset<String> {
    /// Choose from `options`; nothing chosen yet.
    pub fn new(options: &[impl AsRef<str>]) -> SelectSubset<String> {
        SelectSubset::from_items(
            options
                .iter()
                .map(|o| (o.as_ref().to_owned(), o.as_ref().to_owned())),
        )
    }
}

impl<T: Clone + Send + Sync + 'static> SelectSubset<T> {
    /// Choose from `(label, value)` items; nothing chosen yet.
    pub fn from_items<L: Into<String>>(items: impl IntoIterator<Item = (L, T)>) -> SelectSubset<T> {
        let items: Vec<(String, T)> = items.into_iter().map(|(l, v)| (l.into(), v)).collect();
        let labels: Vec<&str> = items.iter().map(|(l, _)| l.as_str()).collect();
        let source = SelectMultiple::new(&labels).with_description("Source");
        let chosen = SelectMultiple::new(&[] as &[&str]).with_description("Selected");
        for list in [&source, &chosen] {
            set_layout(list.widget(), "width", "40%");
            list.widget().set("rows", 10);
        }
        let filter = Text::new("")
            .with_description("Filter")
            .with_placeholder("text to look for, then Enter");
        wide_description(filter.widget());
        let add_all = Button::new("Add all \u{21fe}");
        let add = Button::new("Add \u{21fe}");
        let remove = Button::new("\u{21fd} Remove");
        let remove_all = Button::new("\u{21fd} Remove all");
        let buttons = Container::vbox(&[
            add_all.widget(),
            add.widget(),
            remove.widget(),
            remove_all.widget(),
        ]);
        let lists = Container::hbox(&[source.widget(), buttons.widget(), chosen.widget()]);
        let root = Container::vbox(&[filter.widget(), lists.widget()]);
        let source_positions = (0..items.len()).collect();
        let subset = SelectSubset {
            filter,
            source,
            chosen,
            add,
            add_all,
            remove,
            remove_all,
            root,
            state: Arc::new(Mutex::new(SubsetState {
                items,
                source: source_positions,
                chosen: Vec::new(),
            })),
        };
        let me = subset.clone();
        subset.add.on_click(move || me.add_highlighted());
        let me = subset.clone();
        subset.add_all.on_click(move || me.add_all());
        let me = subset.clone();
        subset.remove.on_click(move || me.remove_highlighted());
        let me = subset.clone();
        subset.remove_all.on_click(move || me.clear());
        let me = subset.clone();
        subset
            .filter
            .widget()
            .on_change(move |key: &str, _: &Value| {
                if key == "value" {
                    me.refilter();
                }
            });
        subset
    }

    fn refilter(&self) {
        let text = self.filter.value().trim().to_lowercase();
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        state.source = state
            .items
            .iter()
            .enumerate()
            .filter(|(_, (l, _))| text.is_empty() || l.to_lowercase().contains(&text))
            .map(|(i, _)| i)
            .collect();
        let labels: Vec<Value> = state
            .source
            .iter()
            .map(|&i| json!(state.items[i].0))
            .collect();
        drop(state);
        self.source.widget().set_many(
            [
                ("_options_labels".to_owned(), Value::Array(labels)),
                ("index".to_owned(), json!([])),
            ]
            .into_iter()
            .collect(),
        );
    }

    /// Replaces the chosen positions and shows them (in list order).
    fn choose(&self, mut positions: Vec<usize>) {
        positions.sort_unstable();
        positions.dedup();
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        positions.retain(|&p| p < state.items.len());
        let labels: Vec<Value> = positions.iter().map(|&i| json!(state.items[i].0)).collect();
        state.chosen = positions;
        drop(state);
        self.chosen.widget().set_many(
            [
                ("_options_labels".to_owned(), Value::Array(labels)),
                ("index".to_owned(), json!([])),
            ]
            .into_iter()
            .collect(),
        );
    }

    fn chosen_positions(&self) -> Vec<usize> {
        self.state
            .lock()
            .map(|s| s.chosen.clone())
            .unwrap_or_default()
    }

    /// Adds the items highlighted in the source list (the *Add* button).
    pub fn add_highlighted(&self) {
        let highlighted = self.source.indexes();
        let mut chosen = self.chosen_positions();
        if let Ok(state) = self.state.lock() {
            chosen.extend(highlighted.iter().filter_map(|&i| state.source.get(i)));
        }
        self.choose(chosen);
    }

    /// Adds every item the source list shows (the *Add all* button).
    pub fn add_all(&self) {
        let mut chosen = self.chosen_positions();
        if let Ok(state) = self.state.lock() {
            chosen.extend(state.source.iter().copied());
        }
        self.choose(chosen);
    }

    /// Removes the items highlighted in the chosen list (the *Remove* button).
    pub fn remove_highlighted(&self) {
        let highlighted = self.chosen.indexes();
        let chosen = self.chosen_positions();
        let kept = chosen
            .iter()
            .enumerate()
            .filter(|(i, _)| !highlighted.contains(i))
            .map(|(_, &p)| p)
            .collect();
        self.choose(kept);
    }

    /// Empties the chosen list (the *Remove all* button).
    pub fn clear(&self) {
        self.choose(Vec::new());
    }

    /// Chooses the items labelled `labels` (others are ignored), replacing the choice.
    pub fn set_selected(&self, labels: &[impl AsRef<str>]) {
        let positions = self
            .state
            .lock()
            .map(|s| {
                s.items
                    .iter()
                    .enumerate()
                    .filter(|(_, (l, _))| labels.iter().any(|w| w.as_ref() == l))
                    .map(|(i, _)| i)
                    .collect()
            })
            .unwrap_or_default();
        self.choose(positions);
    }

    /// Builder form of [`set_selected`](Self::set_selected).
    pub fn with_selected(self, labels: &[impl AsRef<str>]) -> Self {
        self.set_selected(labels);
        self
    }

    /// The chosen items' values, in list order.
    pub fn selected(&self) -> Vec<T> {
        self.state
            .lock()
            .map(|s| s.chosen.iter().map(|&i| s.items[i].1.clone()).collect())
            .unwrap_or_default()
    }

    /// The chosen items' labels, in list order.
    pub fn selected_labels(&self) -> Vec<String> {
        self.state
            .lock()
            .map(|s| s.chosen.iter().map(|&i| s.items[i].0.clone()).collect())
            .unwrap_or_default()
    }

    /// Names this widget so that a re-run of its cell keeps the chosen items.
    pub fn key(self, key: &str) -> Self {
        let me = self.clone();
        if let Some(saved) = registry::claim("SelectSubset", key, self.root.widget(), move || {
            json!(me.selected_labels())
        }) {
            let labels: Vec<String> = saved
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            self.set_selected(&labels);
        }
        self
    }

    /// The box holding the controls.
    pub fn container(&self) -> &Container {
        &self.root
    }
}

impl<T: Clone + Send + Sync + 'static> Render for SelectSubset<T> {
    fn mime_bundle(&self) -> MimeBundle {
        let labels = self.selected_labels();
        let all = self.state.lock().map(|s| s.items.len()).unwrap_or_default();
        let plain = format!(
            "SelectSubset: {} of {all} selected: {}",
            labels.len(),
            labels.join(", ")
        );
        let summary = format!(
            "Selected ({} of {all}): <b>{}</b>",
            labels.len(),
            escape_html(&labels.join(", "))
        );
        let body = format!(
            "{} {}",
            control_html(&self.source),
            control_html(&self.chosen)
        );
        composite_bundle(&self.root, "Select a subset", &body, &summary, plain)
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{click, front_end_update};
    use super::*;

    #[test]
    fn buttons_move_items_between_the_lists() {
        let subset = SelectSubset::from_items([("c", 3), ("a", 1), ("b", 2)]);
        front_end_update(subset.source.widget(), json!({"index": [0, 2]}));
        click(subset.add.widget());
        assert_eq!(subset.selected(), [3, 2]);
        assert_eq!(subset.chosen.options(), ["c", "b"]);
        front_end_update(subset.chosen.widget(), json!({"index": [0]}));
        click(subset.remove.widget());
        assert_eq!(subset.selected(), [2]);
        front_end_update(subset.filter.widget(), json!({"value": "A"}));
        assert_eq!(subset.source.options(), ["a"]);
        click(subset.add_all.widget());
        assert_eq!(subset.selected_labels(), ["a", "b"]);
        let plain = subset.mime_bundle().get("text/plain").unwrap().to_owned();
        assert_eq!(plain, "SelectSubset: 2 of 3 selected: a, b");
        click(subset.remove_all.widget());
        assert!(subset.selected().is_empty());
    }

    #[test]
    fn a_keyed_subset_keeps_its_choice() {
        let first = SelectSubset::new(&["x", "y", "z"]).key("subset-test");
        first.set_selected(&["z", "x"]);
        let second = SelectSubset::new(&["x", "y", "z"]).key("subset-test");
        assert_eq!(second.selected(), ["x", "z"]);
    }
}
