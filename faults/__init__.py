"""The fault suite: real server processes, killed and starved, under load (make faults)."""
