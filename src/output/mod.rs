//! Everything postcal shows: diagnostics and previews. Renderers return
//! strings; the CLI decides where they go.

pub mod diagnostics;
pub mod diff;
pub mod occurrences;
pub mod preview;
pub mod sarif;
