"""Models of the onboarding app (none yet: its issue adds them)."""
