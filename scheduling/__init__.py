"""SupportOps scheduling app."""
