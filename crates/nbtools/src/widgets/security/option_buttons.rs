//! [`OptionButtons`]: a question with a row of answer buttons (msticpy's
//! `nbwidgets.OptionButtons`, without the timeout).

use std::sync::{Arc, Mutex};

use serde_json::json;

use super::registry;
use super::{composite_bundle, control_html};
use crate::widgets::{Button, Container, Label};
use crate::{MimeBundle, Render, escape_html};

type Choice = Arc<dyn Fn(&str) + Send + Sync>;

/// A description above a row of buttons; [`value`](Self::value) is the last button
/// clicked (`None` until one is). The clicked button is highlighted.
///
/// ```
/// use nbtools::widgets::OptionButtons;
///
/// let go = OptionButtons::new("Isolate the host?", &["Yes", "No", "Cancel"]).key("isolate");
/// go.on_choice(|answer| println!("answer: {answer}"));
/// assert_eq!(go.value(), None);
/// go.choose("No");
/// assert_eq!(go.value().as_deref(), Some("No"));
/// ```
#[derive(Clone)]
pub struct OptionButtons {
    description: Label,
    buttons: Vec<Button>,
    status: Label,
    root: Container,
    value: Arc<Mutex<Option<String>>>,
    actions: Arc<Mutex<Vec<Choice>>>,
}

impl std::fmt::Debug for OptionButtons {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OptionButtons")
            .field("value", &self.value())
            .field("root", &self.root)
            .finish_non_exhaustive()
    }
}

impl OptionButtons {
    /// `description` above one button per option (msticpy's default options are
    /// `["Yes", "No", "Cancel"]`).
    pub fn new(description: &str, options: &[impl AsRef<str>]) -> OptionButtons {
        let description = Label::new(description);
        let buttons: Vec<Button> = options.iter().map(|o| Button::new(o.as_ref())).collect();
        let status = Label::new("");
        let mut row: Vec<&crate::widgets::Widget> = buttons.iter().map(|b| b.widget()).collect();
        row.push(status.widget());
        let row = Container::hbox(&row);
        let root = Container::vbox(&[description.widget(), row.widget()]);
        let me = OptionButtons {
            description,
            buttons,
            status,
            root,
            value: Arc::default(),
            actions: Arc::default(),
        };
        for (button, option) in me.buttons.iter().zip(options) {
            let clicked = me.clone();
            let option = option.as_ref().to_owned();
            button.on_click(move || clicked.choose(&option));
        }
        me
    }

    /// The last option clicked.
    pub fn value(&self) -> Option<String> {
        self.value.lock().ok().and_then(|v| v.clone())
    }

    /// Acts as a click on the button labelled `option` (ignored if there is none).
    pub fn choose(&self, option: &str) {
        let labels = self.options();
        if !labels.iter().any(|l| l == option) {
            return;
        }
        if let Ok(mut value) = self.value.lock() {
            *value = Some(option.to_owned());
        }
        for (button, label) in self.buttons.iter().zip(&labels) {
            button
                .widget()
                .set("button_style", if label == option { "primary" } else { "" });
        }
        self.status.set_value(&format!("Selected: {option}"));
        let actions = self.actions.lock().map(|a| a.clone()).unwrap_or_default();
        for action in actions {
            action(option);
        }
    }

    /// Runs `action(option)` on each click (between cells).
    pub fn on_choice(&self, action: impl Fn(&str) + Send + Sync + 'static) {
        if let Ok(mut actions) = self.actions.lock() {
            actions.push(Arc::new(action));
        }
    }

    /// The buttons' labels.
    pub fn options(&self) -> Vec<String> {
        self.buttons
            .iter()
            .map(|b| {
                b.widget()
                    .get("description")
                    .as_str()
                    .unwrap_or_default()
                    .to_owned()
            })
            .collect()
    }

    /// Names this widget so that a re-run of its cell keeps the answer.
    pub fn key(self, key: &str) -> Self {
        let me = self.clone();
        if let Some(saved) = registry::claim("OptionButtons", key, self.root.widget(), move || {
            json!(me.value())
        }) && let Some(option) = saved.as_str()
        {
            self.choose(option);
        }
        self
    }

    /// The box holding the controls.
    pub fn container(&self) -> &Container {
        &self.root
    }
}

impl Render for OptionButtons {
    fn mime_bundle(&self) -> MimeBundle {
        let value = self.value();
        let body: String = self.buttons.iter().map(control_html).collect();
        let summary = match &value {
            Some(v) => format!("Selected: <b>{}</b>", escape_html(v)),
            None => "Nothing selected yet".to_owned(),
        };
        let question = self.description.value();
        let plain = format!(
            "{question} [{}] -> {}",
            self.options().join(" | "),
            value.as_deref().unwrap_or("(none)")
        );
        composite_bundle(&self.root, &question, &body, &summary, plain)
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::click;
    use super::*;

    #[test]
    fn a_click_sets_the_value_and_survives_a_rerun() {
        let ask = OptionButtons::new("Go?", &["Yes", "No"]).key("option-test");
        let heard = Arc::new(Mutex::new(String::new()));
        let log = Arc::clone(&heard);
        ask.on_choice(move |o| log.lock().unwrap().push_str(o));
        click(ask.buttons[1].widget());
        assert_eq!(ask.value().as_deref(), Some("No"));
        assert_eq!(*heard.lock().unwrap(), "No");
        assert_eq!(ask.buttons[1].widget().get("button_style"), "primary");
        assert_eq!(
            ask.mime_bundle().get("text/plain"),
            Some("Go? [Yes | No] -> No")
        );
        let again = OptionButtons::new("Go?", &["Yes", "No"]).key("option-test");
        assert_eq!(again.value().as_deref(), Some("No"));
        again.choose("Maybe");
        assert_eq!(again.value().as_deref(), Some("No"), "not an option");
    }
}
