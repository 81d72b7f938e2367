"""What operators see and use: logs, alarms, and the roles of the preflight and smoke checks."""
