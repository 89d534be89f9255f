"""Onboarding REST API."""
