//! Email templates (placeholder).
