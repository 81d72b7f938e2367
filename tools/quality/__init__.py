"""The suite's own quality: mutation testing."""
