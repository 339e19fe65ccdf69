//! A small MaxMind DB writer for tests, following the format specification
//! (maxmind.github.io/MaxMind-DB): a binary search tree over the address bits with
//! 24-bit records, 16 zero bytes, the data section, and the metadata map after
//! `\xAB\xCD\xEFMaxMind.com`. IPv4 networks live under `::/96` of an IPv6 tree.

use std::net::IpAddr;

/// A value in the data section.
#[derive(Debug, Clone)]
pub enum Val {
    Str(String),
    F64(f64),
    U16(u16),
    U32(u32),
    U64(u64),
    Bool(bool),
    Map(Vec<(String, Val)>),
    Arr(Vec<Val>),
}

pub fn s(v: &str) -> Val {
    Val::Str(v.to_string())
}

pub fn map(pairs: &[(&str, Val)]) -> Val {
    Val::Map(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    )
}

#[derive(Debug, Clone, Copy)]
enum Rec {
    Empty,
    Node(u32),
    Data(u32),
}

pub struct MmdbWriter {
    nodes: Vec<[Rec; 2]>,
    data: Vec<u8>,
    database_type: String,
}

fn control(out: &mut Vec<u8>, type_id: u8, size: usize) {
    let (bits, extra): (u8, Vec<u8>) = if size < 29 {
        (size as u8, vec![])
    } else if size < 29 + 256 {
        (29, vec![(size - 29) as u8])
    } else if size < 285 + 65536 {
        (30, ((size - 285) as u16).to_be_bytes().to_vec())
    } else {
        (31, ((size - 65821) as u32).to_be_bytes()[1..].to_vec())
    };
    if type_id <= 7 {
        out.push((type_id << 5) | bits);
    } else {
        // Extended type: type 0 in the control byte, then (type - 7).
        out.push(bits);
        out.push(type_id - 7);
    }
    out.extend(extra);
}

fn uint(out: &mut Vec<u8>, type_id: u8, v: u64, max_bytes: usize) {
    let bytes = v.to_be_bytes();
    let skip = bytes.iter().take_while(|b| **b == 0).count();
    let payload = &bytes[skip.max(8 - max_bytes)..];
    control(out, type_id, payload.len());
    out.extend_from_slice(payload);
}

pub fn encode(out: &mut Vec<u8>, v: &Val) {
    match v {
        Val::Str(s) => {
            control(out, 2, s.len());
            out.extend_from_slice(s.as_bytes());
        }
        Val::F64(f) => {
            control(out, 3, 8);
            out.extend_from_slice(&f.to_be_bytes());
        }
        Val::U16(n) => uint(out, 5, u64::from(*n), 2),
        Val::U32(n) => uint(out, 6, u64::from(*n), 4),
        Val::U64(n) => uint(out, 9, *n, 8),
        Val::Bool(b) => control(out, 14, usize::from(*b)),
        Val::Map(pairs) => {
            control(out, 7, pairs.len());
            for (k, v) in pairs {
                encode(out, &Val::Str(k.clone()));
                encode(out, v);
            }
        }
        Val::Arr(items) => {
            control(out, 11, items.len());
            for item in items {
                encode(out, item);
            }
        }
    }
}

impl MmdbWriter {
    pub fn new(database_type: &str) -> MmdbWriter {
        MmdbWriter {
            nodes: vec![[Rec::Empty, Rec::Empty]],
            data: Vec::new(),
            database_type: database_type.to_string(),
        }
    }

    /// Adds `network/prefix_len` with `value`. Networks must not overlap.
    pub fn insert(&mut self, network: IpAddr, prefix_len: u8, value: &Val) {
        let (bits, len): (u128, u8) = match network {
            IpAddr::V4(v4) => (u128::from(u32::from(v4)), prefix_len + 96),
            IpAddr::V6(v6) => (u128::from(v6), prefix_len),
        };
        assert!((1..=128).contains(&len), "prefix length");
        let offset = self.data.len() as u32;
        encode(&mut self.data, value);
        let mut node = 0usize;
        for i in 0..len {
            let bit = ((bits >> (127 - i)) & 1) as usize;
            if i == len - 1 {
                assert!(
                    matches!(self.nodes[node][bit], Rec::Empty),
                    "overlapping networks"
                );
                self.nodes[node][bit] = Rec::Data(offset);
                break;
            }
            node = match self.nodes[node][bit] {
                Rec::Node(n) => n as usize,
                Rec::Empty => {
                    self.nodes.push([Rec::Empty, Rec::Empty]);
                    let n = self.nodes.len() - 1;
                    self.nodes[node][bit] = Rec::Node(n as u32);
                    n
                }
                Rec::Data(_) => panic!("a network inside another"),
            };
        }
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let node_count = self.nodes.len() as u32;
        assert!(
            u64::from(node_count) + 16 + self.data.len() as u64 <= 0xFF_FFFF,
            "24-bit records"
        );
        let mut out = Vec::with_capacity(self.nodes.len() * 6 + self.data.len() + 200);
        for node in &self.nodes {
            for rec in node {
                let value = match *rec {
                    Rec::Empty => node_count,
                    Rec::Node(n) => n,
                    Rec::Data(off) => node_count + 16 + off,
                };
                out.extend_from_slice(&value.to_be_bytes()[1..]);
            }
        }
        out.extend_from_slice(&[0u8; 16]);
        out.extend_from_slice(&self.data);
        out.extend_from_slice(b"\xAB\xCD\xEFMaxMind.com");
        let metadata = map(&[
            ("binary_format_major_version", Val::U16(2)),
            ("binary_format_minor_version", Val::U16(0)),
            ("build_epoch", Val::U64(1_700_000_000)),
            ("database_type", s(&self.database_type)),
            ("description", map(&[("en", s("huntrs test database"))])),
            ("ip_version", Val::U16(6)),
            ("languages", Val::Arr(vec![s("en")])),
            ("node_count", Val::U32(node_count)),
            ("record_size", Val::U16(24)),
        ]);
        encode(&mut out, &metadata);
        out
    }
}

/// A GeoIP2/GeoLite2 City record.
pub fn city_record(
    country: &str,
    country_name: &str,
    state: &str,
    city: &str,
    lat: f64,
    lon: f64,
) -> Val {
    map(&[
        ("city", map(&[("names", map(&[("en", s(city))]))])),
        (
            "country",
            map(&[
                ("iso_code", s(country)),
                ("names", map(&[("en", s(country_name))])),
            ]),
        ),
        (
            "location",
            map(&[
                ("latitude", Val::F64(lat)),
                ("longitude", Val::F64(lon)),
                ("accuracy_radius", Val::U16(100)),
            ]),
        ),
        (
            "subdivisions",
            Val::Arr(vec![map(&[
                ("iso_code", s("XX")),
                ("names", map(&[("en", s(state))])),
            ])]),
        ),
    ])
}

/// A GeoLite2 ASN record.
pub fn asn_record(asn: u32, org: &str) -> Val {
    map(&[
        ("autonomous_system_number", Val::U32(asn)),
        ("autonomous_system_organization", s(org)),
    ])
}
