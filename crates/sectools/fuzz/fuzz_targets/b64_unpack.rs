//! Base64 unpacking never panics and stays inside its byte budget, whatever the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sectools::{B64Limits, B64Unpacker};

fuzz_target!(|text: &str| {
    let limits = B64Limits {
        max_total_bytes: 1 << 20,
        ..B64Limits::default()
    };
    let result = B64Unpacker::with_limits(limits).unpack(text);
    let total: usize = result.items.iter().map(|i| i.bytes.len()).sum();
    assert!(total <= 2 * limits.max_total_bytes, "decoded {total} bytes");
});
