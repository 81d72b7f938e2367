"""Operating a deployed stage: the smoke test."""
