//! Test support for the enrichment tests: HTTP servers on 127.0.0.1 speaking the
//! providers' APIs, an MMDB writer, and a DNS responder.
#![allow(dead_code, clippy::unwrap_used)]

pub mod dns;
pub mod mmdb;
pub mod server;

/// The key configured for every provider; it must never appear in any output.
pub const CANARY: &str = "CANARY-9f3e2a7c41d8b6e0";
