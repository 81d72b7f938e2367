"""Command-line helpers that work on deployed stages' outputs."""
