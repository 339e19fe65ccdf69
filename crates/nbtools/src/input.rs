/// Asks the notebook user for a line of text (Jupyter's `input_request`) and
/// returns it without the trailing newline. Returns an empty string when the
/// front end does not accept input (as headless runs do).
///
/// The prompt is cut at its first `:`; that character separates fields in the
/// request line.
pub fn input(prompt: &str) -> String {
    evcxr_input::get_string(prompt)
}

/// Like [`input`], but the front end hides what is typed.
pub fn input_password(prompt: &str) -> String {
    evcxr_input::get_password(prompt)
}
