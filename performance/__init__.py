"""SupportOps performance app."""
