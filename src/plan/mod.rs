//! Pure planning (placeholder).
