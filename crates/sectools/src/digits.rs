//! Decimal digits written straight into a `String`: the row loops format numbers by
//! the hundred thousand, where `write!` and its formatting machinery cost several
//! times the digits themselves.

/// The decimal digits of `value`, written at the end of `buf` (20 bytes hold any `u64`).
pub(crate) fn decimal(mut value: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    &buf[at..]
}

/// `value` zero-padded to at least `width` digits.
pub(crate) fn push_digits(out: &mut String, value: u64, width: usize) {
    let mut buf = [0; 20];
    let digits = decimal(value, &mut buf);
    for _ in digits.len()..width {
        out.push('0');
    }
    out.push_str(std::str::from_utf8(digits).unwrap_or_default());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_match_format_for_every_width_and_edge_value() {
        for value in [0, 7, 10, 999, 1000, 123_456, u64::from(u32::MAX), u64::MAX] {
            for width in [0, 1, 3, 5, 25] {
                let mut s = String::from("x");
                push_digits(&mut s, value, width);
                assert_eq!(s, format!("x{value:0width$}"));
            }
        }
    }
}
