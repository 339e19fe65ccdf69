//! Encodings the planted evidence needs: base64 of UTF-16LE (PowerShell `-enc`) and
//! auditd's hex encoding of arguments.

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding.
pub(crate) fn base64(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(B64[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// What `powershell -EncodedCommand` expects: base64 of the UTF-16LE text.
pub(crate) fn powershell_encoded(script: &str) -> String {
    let bytes: Vec<u8> = script.encode_utf16().flat_map(u16::to_le_bytes).collect();
    base64(&bytes)
}

/// Upper-case hex, as auditd writes encoded values.
pub(crate) fn hex_upper(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// An EXECVE argument as auditd logs it: quoted when plain, hex when it holds a
/// space, quote, control or non-ASCII character.
pub(crate) fn audit_arg(arg: &str) -> String {
    if arg.is_empty()
        || arg
            .bytes()
            .any(|b| b <= b' ' || b == b'"' || b == b'\'' || b >= 0x7f)
    {
        hex_upper(arg.as_bytes())
    } else {
        format!("\"{arg}\"")
    }
}

/// A PROCTITLE value: the argv joined with NULs, hex-encoded (auditd always encodes
/// it when there is more than one argument).
pub(crate) fn proctitle(argv: &[&str]) -> String {
    if argv.len() == 1 && !argv[0].bytes().any(|b| b <= b' ' || b == b'"') {
        return argv[0].to_string();
    }
    hex_upper(argv.join("\0").as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn powershell_and_audit_encodings() {
        assert_eq!(
            powershell_encoded("Write-Host 'hi'"),
            "VwByAGkAdABlAC0ASABvAHMAdAAgACcAaABpACcA"
        );
        assert_eq!(audit_arg("-l"), "\"-l\"");
        assert_eq!(audit_arg("ls -la"), "6C73202D6C61");
        assert_eq!(proctitle(&["crontab", "-l"]), "63726F6E746162002D6C");
    }
}
