"""Onboarding reads shared by the API, pages and reports, one module per topic."""
