"""Deploying a stage: preflight, adoption of an existing pool, sandboxes, the stage list and
client config."""
