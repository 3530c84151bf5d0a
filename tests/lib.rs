//! Test support lives in the `suite` integration binary.
