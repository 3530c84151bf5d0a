//! End-to-end HTTP tests.
