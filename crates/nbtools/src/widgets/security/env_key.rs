//! [`GetEnvironmentKey`]: read, replace, set and save a secret such as an API key
//! (msticpy's `nbwidgets.GetEnvironmentKey`), without ever showing it.
//!
//! # Where the secret goes, and where it does not
//!
//! - The value found in the environment (or in the saved file) stays in this
//!   process: it is never sent to the front end. The box is a `PasswordModel` that
//!   starts empty, its placeholder saying whether a value is set.
//! - What the user types reaches the kernel's model mirror (that is how widgets
//!   work). The box has no change listener, so the text is never turned into a
//!   dispatched callback cell (those are compiled from source). The first time the
//!   value is read — the *Set* button, [`GetEnvironmentKey::value`] or
//!   [`GetEnvironmentKey::apply`] — it moves into this process and the box is emptied
//!   in the front end and the mirror, so the widget state `huntrs run` saves into a
//!   notebook, `request_states` answers and static renderings never hold it.
//! - Static HTML, plain text and `Debug` say "set" or "not set", nothing more.
//! - *Save* writes the value to `<config dir>/huntrs/env/<NAME>` (`$XDG_CONFIG_HOME`,
//!   else `~/.config`), directory 0700 and file 0600, written to a temporary file
//!   first and renamed.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde_json::{Map, Value, json};

use super::super::model::{ModelSpec, Widget};
use super::registry;
use super::{composite_bundle, control_html, set_layout, wide_description};
use crate::widgets::{Button, Checkbox, Container, Label};
use crate::{MimeBundle, Render, escape_html};

/// The password box's static form: its prompt and placeholder, never its value.
fn password_snapshot(state: &Map<String, Value>) -> (String, String) {
    let text = |k: &str| state.get(k).and_then(Value::as_str).unwrap_or_default();
    (
        format!(
            "<label>{} <input type=\"password\" disabled placeholder=\"{}\"></label>",
            escape_html(text("description")),
            escape_html(text("placeholder"))
        ),
        format!("{} ({})", text("description"), text("placeholder")),
    )
}

/// `$XDG_CONFIG_HOME/huntrs/env`, else `~/.config/huntrs/env`.
fn default_save_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("huntrs").join("env"))
}

/// Environment variable names usable as file names too.
fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn write_private(dir: &Path, name: &str, value: &str) -> std::io::Result<PathBuf> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)?;
    let path = dir.join(name);
    let temp = dir.join(format!(".{name}.tmp"));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&temp)?;
    // A temp file left by another user's umask must still end up private.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    file.write_all(value.as_bytes())?;
    file.sync_all()?;
    std::fs::rename(&temp, &path)?;
    Ok(path)
}

/// Reads a secret from an environment variable (or the file *Save* wrote), lets the
/// user type a new one in a password box, *Set* it in this kernel's environment and,
/// with *Save to file* ticked, keep it in a private file for later sessions. The
/// secret is never sent to the front end or shown (see the module notes).
///
/// ```
/// use nbtools::widgets::GetEnvironmentKey;
///
/// let key = GetEnvironmentKey::new("VT_API_KEY").with_description("VirusTotal key");
/// // Next cell, after the user typed a key and clicked Set:
/// if let Some(secret) = key.value() {
///     # let _ = secret;
///     // use it; `key` itself only ever shows "set" or "not set".
/// }
/// assert!(!format!("{key:?}").contains("secret"));
/// ```
#[derive(Clone)]
pub struct GetEnvironmentKey {
    name: String,
    secret: Widget,
    set_button: Button,
    save: Checkbox,
    status: Label,
    root: Container,
    value: Arc<Mutex<Option<String>>>,
    save_dir: Arc<Mutex<Option<PathBuf>>>,
}

impl std::fmt::Debug for GetEnvironmentKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GetEnvironmentKey")
            .field("name", &self.name)
            .field("is_set", &self.is_set_here())
            .finish_non_exhaustive()
    }
}

impl GetEnvironmentKey {
    /// The prompt for `env_var`, holding its current value (from the environment, else
    /// from the saved file) without showing it.
    pub fn new(env_var: &str) -> GetEnvironmentKey {
        let save_dir = default_save_dir();
        let value = std::env::var(env_var)
            .ok()
            .or_else(|| Self::read_saved(save_dir.as_deref(), env_var))
            .filter(|v| !v.trim().is_empty());
        let spec = ModelSpec::controls("PasswordModel", "PasswordView", Some("TextStyleModel"));
        let secret = Widget::open(
            spec,
            [
                ("value".to_owned(), json!("")),
                ("description".to_owned(), json!("Enter the value: ")),
                ("continuous_update".to_owned(), json!(false)),
            ]
            .into_iter()
            .collect(),
            Vec::new(),
            password_snapshot,
        );
        wide_description(&secret);
        set_layout(&secret, "width", "50%");
        let set_button = Button::new("Set");
        let save = Checkbox::new(false).with_description("Save to file");
        let status = Label::new("");
        let row = Container::hbox(&[&secret, set_button.widget(), save.widget()]);
        let root = Container::vbox(&[row.widget(), status.widget()]);
        let key = GetEnvironmentKey {
            name: env_var.to_owned(),
            secret,
            set_button,
            save,
            status,
            root,
            value: Arc::new(Mutex::new(value)),
            save_dir: Arc::new(Mutex::new(save_dir)),
        };
        key.show_placeholder();
        let clicked = key.clone();
        key.set_button.on_click(move || {
            let message = match clicked.apply() {
                Ok(Some(path)) => format!(
                    "{} set in this kernel and saved to {}",
                    clicked.name,
                    path.display()
                ),
                Ok(None) if clicked.is_set() => format!("{} set in this kernel", clicked.name),
                Ok(None) => "Type a value first".to_owned(),
                Err(e) => format!("Not saved: {e}"),
            };
            clicked.status.set_value(&message);
        });
        key
    }

    fn read_saved(dir: Option<&Path>, name: &str) -> Option<String> {
        if !valid_name(name) {
            return None;
        }
        let text = std::fs::read_to_string(dir?.join(name)).ok()?;
        Some(text.trim().to_owned())
    }

    fn show_placeholder(&self) {
        let text = if self.is_set_here() {
            format!("{} is set (hidden); type to replace", self.name)
        } else {
            format!("{} is not set; type a value", self.name)
        };
        self.secret.set("placeholder", text);
    }

    fn is_set_here(&self) -> bool {
        self.value.lock().map(|v| v.is_some()).unwrap_or(false)
    }

    /// Moves a typed value out of the front end into this process.
    fn capture(&self) {
        let typed = self.secret.get("value");
        let Some(typed) = typed.as_str().map(str::trim).filter(|t| !t.is_empty()) else {
            return;
        };
        if let Ok(mut value) = self.value.lock() {
            *value = Some(typed.to_owned());
        }
        self.secret.set("value", "");
        self.show_placeholder();
    }

    /// The environment variable's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether a value is known (found or typed).
    pub fn is_set(&self) -> bool {
        self.capture();
        self.is_set_here()
    }

    /// The value: typed by the user, else found in the environment or the saved file.
    pub fn value(&self) -> Option<String> {
        self.capture();
        self.value.lock().ok().and_then(|v| v.clone())
    }

    /// What *Set* does: puts the value in this kernel's environment and, with *Save
    /// to file* ticked, writes it to the private file, whose path is returned.
    pub fn apply(&self) -> std::io::Result<Option<PathBuf>> {
        let Some(value) = self.value() else {
            return Ok(None);
        };
        if !valid_name(&self.name) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("'{}' is not a usable variable name", self.name),
            ));
        }
        // SAFETY: cells and widget callbacks run one at a time on the cell process's
        // thread; huntrs runs nothing else that reads the environment meanwhile.
        unsafe { std::env::set_var(&self.name, &value) };
        if !self.save.value() {
            return Ok(None);
        }
        let dir = self.save_dir.lock().ok().and_then(|d| d.clone());
        let dir = dir.ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no configuration directory (HOME is not set)",
            )
        })?;
        write_private(&dir, &self.name, &value).map(Some)
    }

    /// The prompt before the box.
    pub fn with_description(self, description: &str) -> Self {
        self.secret.set("description", description);
        self
    }

    /// Ticks *Save to file* (or not).
    pub fn with_save(self, save: bool) -> Self {
        self.save.set_value(save);
        self
    }

    /// Saves into `dir` instead of `<config dir>/huntrs/env` (and reads from it when
    /// the variable is not set).
    pub fn with_save_dir(self, dir: impl Into<PathBuf>) -> Self {
        let dir = dir.into();
        if let Ok(mut value) = self.value.lock()
            && value.is_none()
        {
            *value = Self::read_saved(Some(&dir), &self.name);
        }
        if let Ok(mut d) = self.save_dir.lock() {
            *d = Some(dir);
        }
        self.show_placeholder();
        self
    }

    /// Names this widget so that a re-run of its cell keeps a value typed into the
    /// previous one. The value passes between the two in this process only; the new
    /// box stays empty in the front end.
    pub fn key(self, key: &str) -> Self {
        let me = self.clone();
        let saved = registry::claim("GetEnvironmentKey", key, self.root.widget(), move || {
            json!(me.value())
        });
        if let Some(value) = saved.as_ref().and_then(Value::as_str)
            && let Ok(mut mine) = self.value.lock()
        {
            *mine = Some(value.to_owned());
        }
        self.show_placeholder();
        self
    }

    /// The box holding the controls.
    pub fn container(&self) -> &Container {
        &self.root
    }
}

impl Render for GetEnvironmentKey {
    fn mime_bundle(&self) -> MimeBundle {
        let state = if self.is_set_here() { "set" } else { "not set" };
        let body = format!(
            "{} {} {}",
            control_html(&self.secret),
            control_html(&self.set_button),
            control_html(&self.save)
        );
        let summary = format!("{}: <b>{state}</b> (value hidden)", escape_html(&self.name));
        composite_bundle(
            &self.root,
            &self.name,
            &body,
            &summary,
            format!("GetEnvironmentKey {}: {state} (value hidden)", self.name),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{click, front_end_update};
    use super::*;

    #[test]
    fn an_environment_value_is_never_sent_or_shown() {
        let name = "HUNTRS_TEST_ENV_KEY_SHOWN";
        // SAFETY: a name no other test reads.
        unsafe { std::env::set_var(name, "env-secret-1") };
        let key = GetEnvironmentKey::new(name);
        assert_eq!(key.value().as_deref(), Some("env-secret-1"));
        let everything = format!(
            "{:?} {:?} {:?} {:?}",
            key.secret.state(),
            key.mime_bundle().data(),
            key,
            key.root.mime_bundle().data()
        );
        assert!(!everything.contains("env-secret-1"), "{everything}");
        assert!(everything.contains("is set (hidden)"));
    }

    #[test]
    fn a_typed_value_leaves_the_front_end_and_is_set_and_saved_privately() {
        let name = "HUNTRS_TEST_ENV_KEY_TYPED";
        let dir = std::env::temp_dir().join(format!("huntrs-env-key-{}", std::process::id()));
        let key = GetEnvironmentKey::new(name)
            .with_save_dir(&dir)
            .with_save(true);
        assert!(!key.is_set());
        front_end_update(&key.secret, json!({"value": " typed-secret "}));
        click(key.set_button.widget());
        assert_eq!(key.secret.state()["value"], "", "emptied in the front end");
        assert_eq!(std::env::var(name).as_deref(), Ok("typed-secret"));
        let path = dir.join(name);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "typed-secret");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(key.status.value().contains("saved to"));
        assert!(!key.status.value().contains("typed-secret"));
        let bundle = format!("{:?}", key.mime_bundle().data());
        assert!(!bundle.contains("typed-secret") && bundle.contains("set (value hidden)"));
        // A new prompt finds the saved value when the variable is not set.
        let other = GetEnvironmentKey::new("HUNTRS_TEST_ENV_KEY_UNSET").with_save_dir(&dir);
        assert!(!other.is_set());
        std::fs::write(dir.join("HUNTRS_TEST_ENV_KEY_UNSET"), "from-file\n").unwrap();
        let other = GetEnvironmentKey::new("HUNTRS_TEST_ENV_KEY_UNSET").with_save_dir(&dir);
        assert_eq!(other.value().as_deref(), Some("from-file"));
        std::fs::remove_dir_all(&dir).unwrap();
        // A re-run keeps a typed value, without sending it anywhere.
        let first = GetEnvironmentKey::new("HUNTRS_TEST_ENV_KEY_RERUN").key("env-key-test");
        front_end_update(&first.secret, json!({"value": "rerun-secret"}));
        let second = GetEnvironmentKey::new("HUNTRS_TEST_ENV_KEY_RERUN").key("env-key-test");
        assert_eq!(second.value().as_deref(), Some("rerun-secret"));
        assert_eq!(second.secret.state()["value"], "");
        let bad = GetEnvironmentKey::new("not a name");
        front_end_update(&bad.secret, json!({"value": "x"}));
        assert!(bad.apply().is_err());
    }
}
