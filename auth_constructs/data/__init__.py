"""Users' data and what keeps it: the stage key, the photos bucket, the items table, their
backup."""
