//! Command orchestration (placeholder).
