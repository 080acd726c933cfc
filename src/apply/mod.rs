//! Executes a plan (placeholder).
