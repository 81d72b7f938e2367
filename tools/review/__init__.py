"""Reviewing a change: the security and IAM diffs, the replacement guard, and the summary."""
