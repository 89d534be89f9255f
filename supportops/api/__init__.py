"""REST API of the core app."""
