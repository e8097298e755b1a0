"""Per-language stack-trace units (Python, JVM, Node, Go, Rust) used by :mod:`stacktraces`."""
