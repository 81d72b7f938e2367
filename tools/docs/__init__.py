"""Documentation generated from the synthesized app: the per-stage Mermaid diagrams."""
