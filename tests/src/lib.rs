//! Integration and browser tests of Temujanji live in `tests/integration/` (one test binary).
