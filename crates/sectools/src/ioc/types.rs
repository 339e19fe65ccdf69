use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use crate::SectoolsError;

/// The kind of an indicator of compromise. Names match msticpy's (`ipv4`, `md5_hash`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IocType {
    /// Dotted-quad IPv4 address with every octet 0–255.
    Ipv4,
    /// IPv6 address in any RFC 4291 text form.
    Ipv6,
    /// URL with a known scheme (http, https, ftp, ...).
    Url,
    /// Domain name whose suffix is on the public suffix list.
    Dns,
    /// E-mail address with a publicly registrable domain.
    Email,
    /// 32 hex digits.
    Md5Hash,
    /// 40 hex digits.
    Sha1Hash,
    /// 64 hex digits.
    Sha256Hash,
    /// Drive, UNC, environment-variable or dot-relative Windows path.
    WindowsPath,
    /// Absolute, home- or dot-relative Unix path.
    LinuxPath,
    /// A pattern added to one extractor with [`IocExtractor::with_pattern`](crate::IocExtractor::with_pattern).
    Custom(Arc<str>),
}

impl IocType {
    /// The built-in types, in reporting order.
    pub const BUILTIN: [IocType; 10] = [
        IocType::Ipv4,
        IocType::Ipv6,
        IocType::Url,
        IocType::Dns,
        IocType::Email,
        IocType::Md5Hash,
        IocType::Sha1Hash,
        IocType::Sha256Hash,
        IocType::WindowsPath,
        IocType::LinuxPath,
    ];

    /// The type's name as msticpy spells it.
    pub fn name(&self) -> &str {
        match self {
            IocType::Custom(name) => name,
            builtin => builtin.builtin_name().unwrap_or_default(),
        }
    }

    /// A built-in type's name; `None` for custom types.
    pub(crate) fn builtin_name(&self) -> Option<&'static str> {
        Some(match self {
            IocType::Ipv4 => "ipv4",
            IocType::Ipv6 => "ipv6",
            IocType::Url => "url",
            IocType::Dns => "dns",
            IocType::Email => "email",
            IocType::Md5Hash => "md5_hash",
            IocType::Sha1Hash => "sha1_hash",
            IocType::Sha256Hash => "sha256_hash",
            IocType::WindowsPath => "windows_path",
            IocType::LinuxPath => "linux_path",
            IocType::Custom(_) => return None,
        })
    }

    /// Where a built-in type is in [`IocType::BUILTIN`].
    pub(crate) fn builtin_index(&self) -> Option<usize> {
        let bit = self.bit();
        (bit != 0).then(|| bit.trailing_zeros() as usize)
    }

    pub(crate) fn bit(&self) -> u16 {
        match self {
            IocType::Ipv4 => 1,
            IocType::Ipv6 => 1 << 1,
            IocType::Url => 1 << 2,
            IocType::Dns => 1 << 3,
            IocType::Email => 1 << 4,
            IocType::Md5Hash => 1 << 5,
            IocType::Sha1Hash => 1 << 6,
            IocType::Sha256Hash => 1 << 7,
            IocType::WindowsPath => 1 << 8,
            IocType::LinuxPath => 1 << 9,
            IocType::Custom(_) => 0,
        }
    }
}

impl fmt::Display for IocType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for IocType {
    type Err = SectoolsError;

    /// Parses a built-in type name. Custom types exist only on the extractor that defines them.
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        IocType::BUILTIN
            .iter()
            .find(|t| t.name().eq_ignore_ascii_case(name))
            .cloned()
            .ok_or_else(|| SectoolsError::UnknownIocType {
                name: name.to_string(),
                known: IocType::BUILTIN
                    .iter()
                    .map(|t| t.name())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }
}

/// One indicator found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ioc {
    /// What kind of indicator it is.
    pub ioc_type: IocType,
    /// The indicator in usable form: refanged (`hxxp` → `http`, `[.]` → `.`).
    pub value: String,
    /// Byte range of the text it was found in.
    pub span: std::ops::Range<usize>,
    /// Whether the text was defanged, so `value` differs from the matched text.
    pub defanged: bool,
}

impl Ioc {
    /// The text as it appeared in the input.
    pub fn matched<'a>(&self, input: &'a str) -> &'a str {
        self.to_ref().matched(input)
    }

    /// A borrowed view, as [`IocExtractor::find_in`](super::IocExtractor::find_in) gives.
    pub fn to_ref(&self) -> super::IocRef<'_> {
        super::IocRef {
            ioc_type: &self.ioc_type,
            value: &self.value,
            span: self.span.clone(),
            defanged: self.defanged,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_builtin_type_s_index_is_its_place_in_the_list_and_custom_types_have_none() {
        for (k, t) in IocType::BUILTIN.iter().enumerate() {
            assert_eq!(t.builtin_index(), Some(k), "{t:?}");
        }
        assert_eq!(IocType::Custom("ticket".into()).builtin_index(), None);
    }
}
