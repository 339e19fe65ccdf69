//! Typed handles for the ipywidgets 8 standard controls and containers.
//!
//! Each handle owns a [`Widget`]; getters read the front end's current value,
//! setters change it there. All of them display as the live widget, with a static
//! HTML snapshot and plain text for renderers that have no widget manager.

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use serde_json::{Map, Value, json};

use super::model::{ModelSpec, OUTPUT_VERSION, Widget};
use crate::{MimeBundle, Render, escape_html};

fn state(pairs: &[(&str, Value)]) -> Map<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

fn text_of(state: &Map<String, Value>, key: &str) -> String {
    match state.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

fn labelled(state: &Map<String, Value>, body: String, plain: String) -> (String, String) {
    let description = text_of(state, "description");
    if description.is_empty() {
        (body, plain)
    } else {
        (
            format!("<label>{} {body}</label>", escape_html(&description)),
            format!("{description} {plain}"),
        )
    }
}

macro_rules! handle {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $name {
            widget: Widget,
        }

        impl $name {
            /// The underlying model.
            pub fn widget(&self) -> &Widget {
                &self.widget
            }

            /// Sets the label shown before the control.
            pub fn with_description(self, description: &str) -> Self {
                self.widget.set("description", description);
                self
            }

            /// Enables or disables the control.
            pub fn set_disabled(&self, disabled: bool) {
                self.widget.set("disabled", disabled);
            }
        }

        impl Render for $name {
            fn mime_bundle(&self) -> MimeBundle {
                self.widget.mime_bundle()
            }
        }
    };
}

handle! {
    /// Plain text (`LabelModel`).
    Label
}
handle! {
    /// HTML content (`HTMLModel`); scripts in it do not run.
    Html
}
handle! {
    /// A one-line text box (`TextModel`).
    Text
}
handle! {
    /// A multi-line text box (`TextareaModel`).
    Textarea
}
handle! {
    /// A drop-down list (`DropdownModel`).
    Dropdown
}
handle! {
    /// A list box with one selection (`SelectModel`).
    Select
}
handle! {
    /// A list box with several selections (`SelectMultipleModel`).
    SelectMultiple
}
handle! {
    /// A date (`DatePickerModel`).
    DatePicker
}
handle! {
    /// A date and time without zone (`NaiveDatetimeModel`); huntrs reads it as UTC.
    DatetimePicker
}
handle! {
    /// An integer slider (`IntSliderModel`).
    IntSlider
}
handle! {
    /// A float slider (`FloatSliderModel`).
    FloatSlider
}
handle! {
    /// A check box (`CheckboxModel`).
    Checkbox
}
handle! {
    /// A button (`ButtonModel`).
    Button
}
handle! {
    /// A progress bar (`FloatProgressModel`).
    Progress
}

fn simple_value(state: &Map<String, Value>) -> (String, String) {
    let value = text_of(state, "value");
    labelled(
        state,
        format!("<code>{}</code>", escape_html(&value)),
        value.clone(),
    )
}

impl Label {
    /// A label showing `text`.
    pub fn new(text: &str) -> Label {
        let spec = ModelSpec::controls("LabelModel", "LabelView", Some("LabelStyleModel"));
        Label {
            widget: Widget::open(
                spec,
                state(&[("value", json!(text))]),
                Vec::new(),
                simple_value,
            ),
        }
    }
    /// The text.
    pub fn value(&self) -> String {
        text_of(&self.widget.state(), "value")
    }
    /// Changes the text.
    pub fn set_value(&self, text: &str) {
        self.widget.set("value", text);
    }
}

impl Html {
    /// HTML content.
    pub fn new(html: &str) -> Html {
        fn snapshot(state: &Map<String, Value>) -> (String, String) {
            let html = text_of(state, "value");
            (html.clone(), html)
        }
        let spec = ModelSpec::controls("HTMLModel", "HTMLView", Some("HTMLStyleModel"));
        Html {
            widget: Widget::open(spec, state(&[("value", json!(html))]), Vec::new(), snapshot),
        }
    }
    /// The HTML.
    pub fn value(&self) -> String {
        text_of(&self.widget.state(), "value")
    }
    /// Replaces the HTML.
    pub fn set_value(&self, html: &str) {
        self.widget.set("value", html);
    }
}

impl Text {
    /// A text box holding `value`.
    pub fn new(value: &str) -> Text {
        let spec = ModelSpec::controls("TextModel", "TextView", Some("TextStyleModel"));
        Text {
            widget: Widget::open(
                spec,
                state(&[("value", json!(value)), ("continuous_update", json!(false))]),
                Vec::new(),
                simple_value,
            ),
        }
    }
    /// What the box holds.
    pub fn value(&self) -> String {
        text_of(&self.widget.state(), "value")
    }
    /// Changes what the box holds.
    pub fn set_value(&self, value: &str) {
        self.widget.set("value", value);
    }
    /// Shows `text` in the empty box.
    pub fn with_placeholder(self, text: &str) -> Self {
        self.widget.set("placeholder", text);
        self
    }
}

impl Textarea {
    /// A multi-line box holding `value`.
    pub fn new(value: &str) -> Textarea {
        let spec = ModelSpec::controls("TextareaModel", "TextareaView", Some("TextStyleModel"));
        Textarea {
            widget: Widget::open(
                spec,
                state(&[("value", json!(value)), ("continuous_update", json!(false))]),
                Vec::new(),
                simple_value,
            ),
        }
    }
    /// What the box holds.
    pub fn value(&self) -> String {
        text_of(&self.widget.state(), "value")
    }
    /// Changes what the box holds.
    pub fn set_value(&self, value: &str) {
        self.widget.set("value", value);
    }
}

fn options_snapshot(state: &Map<String, Value>) -> (String, String) {
    let labels: Vec<String> = state
        .get("_options_labels")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|v| v.as_str().unwrap_or("").to_owned())
                .collect()
        })
        .unwrap_or_default();
    let chosen: Vec<usize> = match state.get("index") {
        Some(Value::Number(n)) => n.as_u64().map(|i| vec![i as usize]).unwrap_or_default(),
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|i| i.as_u64())
            .map(|i| i as usize)
            .collect(),
        _ => Vec::new(),
    };
    let mut html = String::from("<select disabled multiple size=\"4\">");
    for (i, label) in labels.iter().enumerate() {
        let selected = if chosen.contains(&i) { " selected" } else { "" };
        html.push_str(&format!(
            "<option{selected}>{}</option>",
            escape_html(label)
        ));
    }
    html.push_str("</select>");
    let plain = chosen
        .iter()
        .filter_map(|i| labels.get(*i).cloned())
        .collect::<Vec<_>>()
        .join(", ");
    labelled(
        state,
        html,
        format!("[{plain}] of {} options", labels.len()),
    )
}

fn option_labels(options: &[impl AsRef<str>]) -> Value {
    Value::Array(options.iter().map(|o| json!(o.as_ref())).collect())
}

fn labels_of(widget: &Widget) -> Vec<String> {
    widget
        .cached("_options_labels")
        .as_array()
        .map(|a| {
            a.iter()
                .map(|v| v.as_str().unwrap_or("").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

macro_rules! single_choice {
    ($name:ident, $model:literal, $view:literal) => {
        impl $name {
            /// A list of `options`, the first selected (none when empty).
            pub fn new(options: &[impl AsRef<str>]) -> $name {
                let spec = ModelSpec::controls($model, $view, Some("DescriptionStyleModel"));
                let index = if options.is_empty() {
                    Value::Null
                } else {
                    json!(0)
                };
                $name {
                    widget: Widget::open(
                        spec,
                        state(&[
                            ("_options_labels", option_labels(options)),
                            ("index", index),
                        ]),
                        Vec::new(),
                        options_snapshot,
                    ),
                }
            }
            /// The selected position.
            pub fn index(&self) -> Option<usize> {
                self.widget.get("index").as_u64().map(|i| i as usize)
            }
            /// The selected option's text.
            pub fn value(&self) -> Option<String> {
                let index = self.index()?;
                labels_of(&self.widget).get(index).cloned()
            }
            /// Selects the option at `index` (`None`: nothing).
            pub fn set_index(&self, index: Option<usize>) {
                self.widget
                    .set("index", index.map_or(Value::Null, |i| json!(i)));
            }
            /// Replaces the options; the first is selected.
            pub fn set_options(&self, options: &[impl AsRef<str>]) {
                let index = if options.is_empty() {
                    Value::Null
                } else {
                    json!(0)
                };
                self.widget.set_many(state(&[
                    ("_options_labels", option_labels(options)),
                    ("index", index),
                ]));
            }
            /// The options.
            pub fn options(&self) -> Vec<String> {
                labels_of(&self.widget)
            }
            /// Runs `callback(new_index)` when the user picks another option.
            pub fn on_change(&self, callback: impl Fn(Option<usize>) + Send + Sync + 'static) {
                self.widget.on_change(move |key, value| {
                    if key == "index" {
                        callback(value.as_u64().map(|i| i as usize));
                    }
                });
            }
        }
    };
}

single_choice!(Dropdown, "DropdownModel", "DropdownView");
single_choice!(Select, "SelectModel", "SelectView");

impl Select {
    /// Shows `rows` options at once.
    pub fn with_rows(self, rows: u32) -> Self {
        self.widget.set("rows", rows);
        self
    }
}

impl SelectMultiple {
    /// A list of `options`, none selected.
    pub fn new(options: &[impl AsRef<str>]) -> SelectMultiple {
        let spec = ModelSpec::controls(
            "SelectMultipleModel",
            "SelectMultipleView",
            Some("DescriptionStyleModel"),
        );
        SelectMultiple {
            widget: Widget::open(
                spec,
                state(&[
                    ("_options_labels", option_labels(options)),
                    ("index", json!([])),
                    ("rows", json!(5)),
                ]),
                Vec::new(),
                options_snapshot,
            ),
        }
    }
    /// The selected positions.
    pub fn indexes(&self) -> Vec<usize> {
        self.widget
            .get("index")
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_u64)
                    .map(|i| i as usize)
                    .collect()
            })
            .unwrap_or_default()
    }
    /// The selected options' text.
    pub fn values(&self) -> Vec<String> {
        let labels = labels_of(&self.widget);
        self.indexes()
            .into_iter()
            .filter_map(|i| labels.get(i).cloned())
            .collect()
    }
    /// Selects the options at `indexes`.
    pub fn set_indexes(&self, indexes: &[usize]) {
        self.widget.set("index", json!(indexes));
    }
    /// The options.
    pub fn options(&self) -> Vec<String> {
        labels_of(&self.widget)
    }
    /// Runs `callback(selected)` when the selection changes.
    pub fn on_change(&self, callback: impl Fn(Vec<usize>) + Send + Sync + 'static) {
        self.widget.on_change(move |key, value| {
            if key == "index" {
                let chosen = value
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(Value::as_u64)
                            .map(|i| i as usize)
                            .collect()
                    })
                    .unwrap_or_default();
                callback(chosen);
            }
        });
    }
}

/// ipywidgets' date: `{"year", "month" (0-based), "date"}`.
fn date_json(date: NaiveDate) -> Value {
    json!({"year": date.year(), "month": date.month0(), "date": date.day()})
}

fn date_of(value: &Value) -> Option<NaiveDate> {
    let part = |k: &str| value.get(k).and_then(Value::as_i64);
    NaiveDate::from_ymd_opt(
        part("year")? as i32,
        part("month")? as u32 + 1,
        part("date")? as u32,
    )
}

fn datetime_json(time: NaiveDateTime) -> Value {
    json!({"year": time.year(), "month": time.month0(), "date": time.day(),
           "hours": time.hour(), "minutes": time.minute(), "seconds": time.second(),
           "milliseconds": time.nanosecond() / 1_000_000})
}

fn datetime_of(value: &Value) -> Option<NaiveDateTime> {
    let part = |k: &str| value.get(k).and_then(Value::as_i64).unwrap_or(0);
    date_of(value)?.and_hms_milli_opt(
        part("hours") as u32,
        part("minutes") as u32,
        part("seconds") as u32,
        part("milliseconds") as u32,
    )
}

fn date_snapshot(state: &Map<String, Value>) -> (String, String) {
    let value = state.get("value").unwrap_or(&Value::Null);
    let text = datetime_of(value)
        .map(|t| {
            if value.get("hours").is_some() {
                t.format("%Y-%m-%d %H:%M:%S").to_string()
            } else {
                t.format("%Y-%m-%d").to_string()
            }
        })
        .unwrap_or_default();
    labelled(
        state,
        format!("<code>{}</code>", escape_html(&text)),
        text.clone(),
    )
}

impl DatePicker {
    /// A date picker showing `date`.
    pub fn new(date: Option<NaiveDate>) -> DatePicker {
        let spec = ModelSpec::controls(
            "DatePickerModel",
            "DatePickerView",
            Some("DescriptionStyleModel"),
        );
        let value = date.map_or(Value::Null, date_json);
        DatePicker {
            widget: Widget::open(spec, state(&[("value", value)]), Vec::new(), date_snapshot),
        }
    }
    /// The chosen date.
    pub fn value(&self) -> Option<NaiveDate> {
        date_of(&self.widget.get("value"))
    }
    /// Changes the date.
    pub fn set_value(&self, date: Option<NaiveDate>) {
        self.widget
            .set("value", date.map_or(Value::Null, date_json));
    }
}

impl DatetimePicker {
    /// A date-time picker showing `time`.
    pub fn new(time: Option<NaiveDateTime>) -> DatetimePicker {
        let spec = ModelSpec::controls(
            "NaiveDatetimeModel",
            "DatetimeView",
            Some("DescriptionStyleModel"),
        );
        let value = time.map_or(Value::Null, datetime_json);
        DatetimePicker {
            widget: Widget::open(spec, state(&[("value", value)]), Vec::new(), date_snapshot),
        }
    }
    /// The chosen time.
    pub fn value(&self) -> Option<NaiveDateTime> {
        datetime_of(&self.widget.get("value"))
    }
    /// Changes the time.
    pub fn set_value(&self, time: Option<NaiveDateTime>) {
        self.widget
            .set("value", time.map_or(Value::Null, datetime_json));
    }
    /// Runs `callback(time)` when the user picks another time.
    pub fn on_change(&self, callback: impl Fn(Option<NaiveDateTime>) + Send + Sync + 'static) {
        self.widget.on_change(move |key, value| {
            if key == "value" {
                callback(datetime_of(value));
            }
        });
    }
}

fn slider_snapshot(state: &Map<String, Value>) -> (String, String) {
    let (value, min, max) = (
        text_of(state, "value"),
        text_of(state, "min"),
        text_of(state, "max"),
    );
    labelled(
        state,
        format!(
            "<input type=\"range\" disabled min=\"{}\" max=\"{}\" value=\"{}\"> {}",
            escape_html(&min),
            escape_html(&max),
            escape_html(&value),
            escape_html(&value)
        ),
        format!("{value} (range {min}..{max})"),
    )
}

impl IntSlider {
    /// A slider over `min..=max` at `value`.
    pub fn new(value: i64, min: i64, max: i64) -> IntSlider {
        let spec = ModelSpec::controls("IntSliderModel", "IntSliderView", Some("SliderStyleModel"));
        IntSlider {
            widget: Widget::open(
                spec,
                state(&[
                    ("value", json!(value.clamp(min, max))),
                    ("min", json!(min)),
                    ("max", json!(max)),
                    ("step", json!(1)),
                    ("continuous_update", json!(false)),
                ]),
                Vec::new(),
                slider_snapshot,
            ),
        }
    }
    /// The value.
    pub fn value(&self) -> i64 {
        self.widget.get("value").as_i64().unwrap_or_default()
    }
    /// Moves the slider.
    pub fn set_value(&self, value: i64) {
        self.widget.set("value", value);
    }
    /// Runs `callback(value)` when the user moves the slider.
    pub fn on_change(&self, callback: impl Fn(i64) + Send + Sync + 'static) {
        self.widget.on_change(move |key, value| {
            if key == "value" {
                callback(value.as_i64().unwrap_or_default());
            }
        });
    }
}

impl FloatSlider {
    /// A slider over `min..=max` at `value`, in steps of `step`.
    pub fn new(value: f64, min: f64, max: f64, step: f64) -> FloatSlider {
        let spec = ModelSpec::controls(
            "FloatSliderModel",
            "FloatSliderView",
            Some("SliderStyleModel"),
        );
        FloatSlider {
            widget: Widget::open(
                spec,
                state(&[
                    ("value", json!(value.clamp(min, max))),
                    ("min", json!(min)),
                    ("max", json!(max)),
                    ("step", json!(step)),
                    ("continuous_update", json!(false)),
                ]),
                Vec::new(),
                slider_snapshot,
            ),
        }
    }
    /// The value.
    pub fn value(&self) -> f64 {
        self.widget.get("value").as_f64().unwrap_or_default()
    }
    /// Moves the slider.
    pub fn set_value(&self, value: f64) {
        self.widget.set("value", value);
    }
}

impl Checkbox {
    /// A check box, ticked or not.
    pub fn new(value: bool) -> Checkbox {
        fn snapshot(state: &Map<String, Value>) -> (String, String) {
            let on = state.get("value").and_then(Value::as_bool).unwrap_or(false);
            let html = format!(
                "<input type=\"checkbox\" disabled{}>",
                if on { " checked" } else { "" }
            );
            labelled(state, html, if on { "[x]".into() } else { "[ ]".into() })
        }
        let spec = ModelSpec::controls("CheckboxModel", "CheckboxView", Some("CheckboxStyleModel"));
        Checkbox {
            widget: Widget::open(
                spec,
                state(&[("value", json!(value)), ("indent", json!(false))]),
                Vec::new(),
                snapshot,
            ),
        }
    }
    /// Whether it is ticked.
    pub fn value(&self) -> bool {
        self.widget.get("value").as_bool().unwrap_or(false)
    }
    /// Ticks or clears it.
    pub fn set_value(&self, value: bool) {
        self.widget.set("value", value);
    }
}

impl Button {
    /// A button labelled `description`.
    pub fn new(description: &str) -> Button {
        fn snapshot(state: &Map<String, Value>) -> (String, String) {
            let text = text_of(state, "description");
            (
                format!("<button disabled>{}</button>", escape_html(&text)),
                format!("[{text}]"),
            )
        }
        let spec = ModelSpec::controls("ButtonModel", "ButtonView", Some("ButtonStyleModel"));
        Button {
            widget: Widget::open(
                spec,
                state(&[("description", json!(description))]),
                Vec::new(),
                snapshot,
            ),
        }
    }
    /// `primary`, `success`, `info`, `warning`, `danger` or `` (plain).
    pub fn with_style(self, style: &str) -> Self {
        self.widget.set("button_style", style);
        self
    }
    /// Runs `callback()` on every click.
    pub fn on_click(&self, callback: impl Fn() + Send + Sync + 'static) {
        self.widget.on_custom(move |content| {
            if content.get("event").and_then(Value::as_str) == Some("click") {
                callback();
            }
        });
    }
}

impl Progress {
    /// A bar from `min` to `max`, at `min`.
    pub fn new(min: f64, max: f64) -> Progress {
        fn snapshot(state: &Map<String, Value>) -> (String, String) {
            let value = state.get("value").and_then(Value::as_f64).unwrap_or(0.0);
            let max = state.get("max").and_then(Value::as_f64).unwrap_or(1.0);
            labelled(
                state,
                format!("<progress value=\"{value}\" max=\"{max}\"></progress>"),
                format!("{value}/{max}"),
            )
        }
        let spec = ModelSpec::controls(
            "FloatProgressModel",
            "ProgressView",
            Some("ProgressStyleModel"),
        );
        Progress {
            widget: Widget::open(
                spec,
                state(&[
                    ("value", json!(min)),
                    ("min", json!(min)),
                    ("max", json!(max)),
                ]),
                Vec::new(),
                snapshot,
            ),
        }
    }
    /// Where the bar is.
    pub fn value(&self) -> f64 {
        self.widget.get("value").as_f64().unwrap_or_default()
    }
    /// Moves the bar.
    pub fn set_value(&self, value: f64) {
        self.widget.set("value", value);
    }
    /// `success`, `info`, `warning`, `danger` or `` (plain).
    pub fn set_bar_style(&self, style: &str) {
        self.widget.set("bar_style", style);
    }
}

/// A cell output area inside a widget (`OutputModel`).
#[derive(Debug, Clone)]
pub struct Output {
    widget: Widget,
}

impl Output {
    /// An empty output area.
    pub fn new() -> Output {
        fn snapshot(state: &Map<String, Value>) -> (String, String) {
            let mut text = String::new();
            for out in state
                .get("outputs")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(t) = out.get("text").and_then(Value::as_str) {
                    text.push_str(t);
                } else if let Some(t) = out.pointer("/data/text~1plain").and_then(Value::as_str) {
                    text.push_str(t);
                    text.push('\n');
                }
            }
            (format!("<pre>{}</pre>", escape_html(&text)), text)
        }
        let spec = ModelSpec {
            model: "OutputModel",
            view: "OutputView",
            module: "@jupyter-widgets/output",
            view_module: None,
            version: OUTPUT_VERSION,
            style: None,
        };
        Output {
            widget: Widget::open(
                spec,
                state(&[("outputs", json!([])), ("msg_id", json!(""))]),
                Vec::new(),
                snapshot,
            ),
        }
    }
    /// The underlying model.
    pub fn widget(&self) -> &Widget {
        &self.widget
    }
    fn push(&self, output: Value) {
        let mut outputs = self
            .widget
            .get("outputs")
            .as_array()
            .cloned()
            .unwrap_or_default();
        outputs.push(output);
        self.widget.set("outputs", Value::Array(outputs));
    }
    /// Appends text, as a program's standard output.
    pub fn append_stdout(&self, text: &str) {
        self.push(json!({"output_type": "stream", "name": "stdout", "text": text}));
    }
    /// Appends a rich value (its whole MIME bundle).
    pub fn append_display(&self, value: &(impl Render + ?Sized)) {
        let bundle = value.mime_bundle();
        self.push(json!({"output_type": "display_data", "data": bundle.data(), "metadata": bundle.metadata()}));
    }
    /// Empties the area.
    pub fn clear(&self) {
        self.widget.set("outputs", json!([]));
    }
    /// The outputs the area holds (nbformat output dicts).
    pub fn outputs(&self) -> Vec<Value> {
        self.widget
            .get("outputs")
            .as_array()
            .cloned()
            .unwrap_or_default()
    }
}

impl Default for Output {
    fn default() -> Self {
        Output::new()
    }
}

impl Render for Output {
    fn mime_bundle(&self) -> MimeBundle {
        self.widget.mime_bundle()
    }
}

/// A row, column, tab set or accordion of other widgets.
#[derive(Debug, Clone)]
pub struct Container {
    widget: Widget,
}

fn container_snapshot(_state: &Map<String, Value>) -> (String, String) {
    (String::new(), String::new())
}

impl Container {
    fn open(
        model: &'static str,
        view: &'static str,
        children: &[&Widget],
        titles: Option<&[&str]>,
    ) -> Container {
        let refs: Vec<Value> = children.iter().map(|w| json!(w.reference())).collect();
        let mut values = state(&[("children", Value::Array(refs))]);
        if let Some(titles) = titles {
            values.insert("titles".into(), json!(titles));
            values.insert(
                "selected_index".into(),
                if children.is_empty() {
                    Value::Null
                } else {
                    json!(0)
                },
            );
        }
        let spec = ModelSpec::controls(model, view, None);
        let kept = children.iter().map(|w| (*w).clone()).collect();
        Container {
            widget: Widget::open(spec, values, kept, container_snapshot),
        }
    }
    /// Widgets side by side.
    pub fn hbox(children: &[&Widget]) -> Container {
        Container::open("HBoxModel", "HBoxView", children, None)
    }
    /// Widgets one below the other.
    pub fn vbox(children: &[&Widget]) -> Container {
        Container::open("VBoxModel", "VBoxView", children, None)
    }
    /// One tab per widget, titled.
    pub fn tab(children: &[&Widget], titles: &[&str]) -> Container {
        Container::open("TabModel", "TabView", children, Some(titles))
    }
    /// One collapsible section per widget, titled.
    pub fn accordion(children: &[&Widget], titles: &[&str]) -> Container {
        Container::open("AccordionModel", "AccordionView", children, Some(titles))
    }
    /// The underlying model.
    pub fn widget(&self) -> &Widget {
        &self.widget
    }
    /// The open tab or section (`None`: all closed).
    pub fn selected_index(&self) -> Option<usize> {
        self.widget
            .get("selected_index")
            .as_u64()
            .map(|i| i as usize)
    }
}

impl Render for Container {
    fn mime_bundle(&self) -> MimeBundle {
        self.widget.mime_bundle()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_through_state() {
        let d = Dropdown::new(&["low", "medium", "high"]).with_description("severity");
        assert_eq!(d.value().as_deref(), Some("low"));
        d.set_index(Some(2));
        assert_eq!(d.value().as_deref(), Some("high"));
        let m = SelectMultiple::new(&["a", "b", "c"]);
        m.set_indexes(&[0, 2]);
        assert_eq!(m.values(), ["a", "c"]);
        let date = NaiveDate::from_ymd_opt(2024, 1, 31).unwrap();
        let p = DatePicker::new(Some(date));
        assert_eq!(
            p.widget().state()["value"],
            json!({"year": 2024, "month": 0, "date": 31})
        );
        assert_eq!(p.value(), Some(date));
        let t = date.and_hms_milli_opt(13, 5, 0, 250).unwrap();
        assert_eq!(DatetimePicker::new(Some(t)).value(), Some(t));
        assert_eq!(
            IntSlider::new(50, 0, 10).value(),
            10,
            "clamped to the range"
        );
        let out = Output::new();
        out.append_stdout("hello\n");
        assert_eq!(out.mime_bundle().get("text/plain"), Some("hello\n"));
    }

    #[test]
    fn nested_boxes_show_every_level_statically() {
        let inner = Container::hbox(&[Label::new("deep").widget()]);
        let outer = Container::vbox(&[inner.widget(), Button::new("Top").widget()]);
        let bundle = outer.mime_bundle();
        assert!(
            bundle
                .get("text/html")
                .unwrap()
                .contains("<code>deep</code>")
        );
        assert_eq!(bundle.get("text/plain"), Some("deep | [Top]"));
    }

    #[test]
    fn containers_refer_to_their_children_and_show_them_statically() {
        let label = Label::new("<b>x</b>");
        let button = Button::new("Go");
        let row = Container::hbox(&[label.widget(), button.widget()]);
        let children = row.widget().state()["children"].clone();
        assert_eq!(
            children,
            json!([label.widget().reference(), button.widget().reference()])
        );
        let bundle = row.mime_bundle();
        assert!(
            bundle
                .get("text/html")
                .unwrap()
                .contains("&lt;b&gt;x&lt;/b&gt;")
        );
        assert!(bundle.get("text/plain").unwrap().contains("[Go]"));
        assert!(
            bundle
                .data()
                .contains_key("application/vnd.jupyter.widget-view+json")
        );
    }
}
