"""REST API of scheduling (capacity data)."""
