"""Models of the scheduling app (none yet: its issue adds them)."""
