"""SupportOps onboarding app."""
