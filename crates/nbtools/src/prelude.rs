//! `use nbtools::prelude::*;` brings the everyday names of all four huntrs crates
//! into a cell.

pub use crate::{MimeBundle, Render, clear_output, display, display_with_id, update_display};
pub use data::{TimeRange, chrono};
pub use entities::{Account, Host, IpAddress, IpScope};
pub use sectools::refang;
