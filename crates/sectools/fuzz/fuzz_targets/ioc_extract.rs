//! IoC extraction never panics, and every reported span is a char-boundary range of the input.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    for ioc in sectools::IocExtractor::new().find(text) {
        assert!(
            text.get(ioc.span.clone()).is_some(),
            "span {:?} not on char boundaries",
            ioc.span
        );
        assert!(!ioc.value.is_empty());
    }
    let _ = sectools::validate(text, "dns");
});
