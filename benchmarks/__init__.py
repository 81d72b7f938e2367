"""`make bench`: scripts that print numbers. Nothing here is a test."""
