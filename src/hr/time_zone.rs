//! Time zone aliases (placeholder).
