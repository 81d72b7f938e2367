"""The scanners run at synth and the findings the project accepts, each with its reason."""
