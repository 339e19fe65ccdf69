//! Security analysis tools: the transforms an analyst applies to raw text and events.
//!
//! Today this holds indicator clean-up; decoding, extraction, process trees and
//! analysis models join it (see ARCHITECTURE.md).
//!
//! ```
//! assert_eq!(sectools::refang("hxxps://evil[.]example(.)com/a"), "https://evil.example.com/a");
//! assert_eq!(sectools::refang("bob[at]contoso[dot]com"), "bob@contoso.com");
//! ```

pub use error::SectoolsError;
pub use refang::refang;

mod error;
mod refang;
