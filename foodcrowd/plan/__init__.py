"""Plan: pure functions from the validated config to desired objects (no I/O)."""
