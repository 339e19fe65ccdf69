//! Typed security entities: the nouns of an investigation.
//!
//! Alerts name hosts, accounts and IP addresses; queries take them as parameters;
//! views render them. This crate holds the plain-Rust types and depends on no other
//! workspace crate.
//!
//! ```
//! use entities::{Host, IpAddress, IpScope};
//!
//! let ip: IpAddress = "10.0.0.4".parse()?;
//! assert_eq!(ip.scope(), IpScope::Private);
//! let host = Host::from_fqdn("web01.contoso.com");
//! assert_eq!(host.host_name, "web01");
//! assert_eq!(host.dns_domain.as_deref(), Some("contoso.com"));
//! # Ok::<(), entities::EntityError>(())
//! ```

pub use account::Account;
pub use error::EntityError;
pub use host::Host;
pub use ip::{IpAddress, IpScope};

mod account;
mod error;
mod host;
mod ip;
