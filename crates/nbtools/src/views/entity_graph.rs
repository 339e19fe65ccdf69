//! Entity view and entity graph (alert ↔ entities) as SVG.
