//! Decimal digits written straight into a `String`: the row loops format numbers by
//! the hundred thousand, where `write!` and its formatting machinery cost several
//! times the digits themselves.

/// "00" to "99": two digits per division halves the divisions of the long numbers
/// (epoch seconds, serials) the row loops write.
const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
    2021222324252627282930313233343536373839\
    4041424344454647484950515253545556575859\
    6061626364656667686970717273747576777879\
    8081828384858687888990919293949596979899";

/// The decimal digits of `value`, written at the end of `buf` (20 bytes hold any `u64`).
pub(crate) fn decimal(mut value: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut at = buf.len();
    while value >= 100 {
        let pair = (value % 100) as usize * 2;
        value /= 100;
        at -= 2;
        buf[at..at + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
    }
    if value >= 10 {
        let pair = value as usize * 2;
        at -= 2;
        buf[at..at + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
    } else {
        at -= 1;
        buf[at] = b'0' + value as u8;
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
    // SAFETY: `decimal` writes ASCII digits only.
    out.push_str(unsafe { std::str::from_utf8_unchecked(digits) });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_match_format_for_every_width_and_edge_value() {
        for value in [
            0,
            7,
            10,
            99,
            100,
            999,
            1000,
            123_456,
            1_551_485_405,
            u64::from(u32::MAX),
            u64::MAX,
        ] {
            for width in [0, 1, 3, 5, 25] {
                let mut s = String::from("x");
                push_digits(&mut s, value, width);
                assert_eq!(s, format!("x{value:0width$}"));
            }
        }
    }

    #[test]
    fn digits_match_to_string_across_ranges_and_powers() {
        let powers = (0..64).flat_map(|k| [(1u64 << k) - 1, 1 << k]);
        let tens = (0..20).flat_map(|k| [10u64.pow(k) - 1, 10u64.pow(k)]);
        for value in (0..20_000).chain(powers).chain(tens) {
            let mut s = String::new();
            push_digits(&mut s, value, 0);
            assert_eq!(s, value.to_string());
        }
    }
}
