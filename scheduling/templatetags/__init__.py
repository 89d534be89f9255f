"""Template tags of the capacity pages."""
