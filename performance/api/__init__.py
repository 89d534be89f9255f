"""The performance app's REST API, under /api/performance/."""
