//! File types recognised from their first bytes.

/// What decoded bytes are, judged by their content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Unpacked: its members are decoded in turn.
    Archive(&'static str),
    /// Recognised and reported, not unpacked.
    Binary(&'static str),
    /// Nothing recognised.
    Unknown,
}

pub(crate) fn detect(bytes: &[u8]) -> Kind {
    let starts = |magic: &[u8]| bytes.starts_with(magic);
    if starts(b"PK\x03\x04") {
        // General-purpose flag bit 0: the members are encrypted, so nothing can be unpacked.
        let encrypted = bytes.get(6).is_some_and(|f| f & 1 == 1);
        return if encrypted {
            Kind::Binary("zip (password protected)")
        } else {
            Kind::Archive("zip")
        };
    }
    if starts(b"PK\x05\x06") {
        return Kind::Archive("zip");
    }
    if starts(b"\x1f\x8b\x08") {
        return Kind::Archive("gz");
    }
    if bytes.len() >= 262 && &bytes[257..262] == b"ustar" {
        return Kind::Archive("tar");
    }
    if let Some(pe) = pe_kind(bytes) {
        return Kind::Binary(pe);
    }
    const MAGICS: &[(&[u8], &str)] = &[
        (b"7z\xbc\xaf\x27\x1c", "7z"),
        (b"Rar!\x1a\x07", "rar"),
        (b"%PDF-", "pdf"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "msi/ole"),
        (b"MSWIM\0\0\0", "wim"),
        (b"\x7fELF", "elf"),
        (b"\xcf\xfa\xed\xfe", "macho"),
        (b"\xca\xfe\xba\xbe", "macho/class"),
        (b"BZh", "bz2"),
        (b"\xfd7zXZ\0", "xz"),
        (b"\x28\xb5\x2f\xfd", "zstd"),
        (b"\x89PNG\r\n\x1a\n", "png"),
        (b"GIF87a", "gif"),
        (b"GIF89a", "gif"),
        (b"\xff\xd8\xff", "jpg"),
        (b"{\\rtf", "rtf"),
        (b"MSCF", "cab"),
        (b"\0asm", "wasm"),
    ];
    MAGICS
        .iter()
        .find(|(magic, _)| starts(magic))
        .map_or(Kind::Unknown, |(_, name)| Kind::Binary(name))
}

/// A Windows PE image: "MZ", then "PE\0\0" where e_lfanew points. DLL and driver
/// (native subsystem) images are told apart from executables by the headers.
fn pe_kind(bytes: &[u8]) -> Option<&'static str> {
    if !bytes.starts_with(b"MZ") || bytes.len() < 0x40 {
        return None;
    }
    let e_lfanew = u32::from_le_bytes(bytes[0x3c..0x40].try_into().ok()?) as usize;
    let header = bytes.get(e_lfanew..e_lfanew.checked_add(24)?)?;
    if &header[..4] != b"PE\0\0" {
        return None;
    }
    let characteristics = u16::from_le_bytes([header[22], header[23]]);
    const IMAGE_FILE_DLL: u16 = 0x2000;
    if characteristics & IMAGE_FILE_DLL != 0 {
        return Some("dll");
    }
    // Subsystem sits 68 bytes into the optional header for both PE32 and PE32+.
    let subsystem_at = e_lfanew + 24 + 68;
    let subsystem = bytes
        .get(subsystem_at..subsystem_at + 2)
        .map(|b| u16::from_le_bytes([b[0], b[1]]));
    Some(if subsystem == Some(1) { "sys" } else { "exe" })
}
