//! Output rendering (placeholder).
