/// Defanging conventions and what each stands for. Longer patterns come first so
/// `[dot]` is not half-matched by a shorter rule.
const DEFANGS: &[(&str, &str)] = &[
    ("hxxps", "https"),
    ("hxxp", "http"),
    ("fxp", "ftp"),
    ("[://]", "://"),
    ("[:]", ":"),
    ("[dot]", "."),
    ("(dot)", "."),
    ("{dot}", "."),
    ("[.]", "."),
    ("(.)", "."),
    ("{.}", "."),
    ("[at]", "@"),
    ("(at)", "@"),
    ("{at}", "@"),
    ("[@]", "@"),
];

/// Undoes common defanging (`hxxp`, `[.]`, `(dot)`, `[at]`, ...) so an indicator
/// can be matched and looked up. Case of the scheme prefix is ignored; everything
/// else is left as it was.
pub fn refang(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    'scan: while let Some(ch) = rest.chars().next() {
        for (fanged, plain) in DEFANGS {
            if rest.len() >= fanged.len()
                && rest.is_char_boundary(fanged.len())
                && rest[..fanged.len()].eq_ignore_ascii_case(fanged)
            {
                out.push_str(plain);
                rest = &rest[fanged.len()..];
                continue 'scan;
            }
        }
        out.push(ch);
        rest = &rest[ch.len_utf8()..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::refang;

    #[test]
    fn refangs_known_forms() {
        let cases = [
            ("hxxp://a[.]b", "http://a.b"),
            ("HXXPS://a(.)b/c", "https://a.b/c"),
            ("fxp://files{.}example[dot]org", "ftp://files.example.org"),
            ("user[at]mail(dot)com", "user@mail.com"),
            ("1.2.3[.]4", "1.2.3.4"),
            ("no defang here", "no defang here"),
            ("ünïcode[.]tld", "ünïcode.tld"),
            ("", ""),
        ];
        for (input, expected) in cases {
            assert_eq!(refang(input), expected, "{input}");
        }
    }
}
