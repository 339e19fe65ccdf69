//! Rule checks (including the base64-decoded view) never panic.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use sectools::CmdRules;

fuzz_target!(|text: &str| {
    static RULES: OnceLock<CmdRules> = OnceLock::new();
    let rules = RULES.get_or_init(CmdRules::builtin);
    let _ = rules.check(text, None);
});
