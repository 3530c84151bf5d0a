//! MongoDB-specific tests.
