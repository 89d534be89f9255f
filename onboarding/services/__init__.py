"""Onboarding writes, one module per topic; everything public is importable from ``onboarding.services``."""
