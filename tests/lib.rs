//! Cross-crate end-to-end tests: each file next to this one is a test target that drives
//! the public APIs of several crates together, the way a user's program does.
