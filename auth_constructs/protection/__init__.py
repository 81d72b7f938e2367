"""What stands in front of sign-in: the web ACL and adaptive threat protection."""
