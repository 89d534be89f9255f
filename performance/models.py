"""Models of the performance app (none yet: its issue adds them)."""
