"""Query counts that depend on the database: the KPI percentiles."""

from __future__ import annotations

from performance import kpis

# Three more queries per KPI slice with data where the database has no percentile aggregate (SQLite): one per
# percentile (first response median and p90, resolution median). PostgreSQL computes them in the one aggregate.
PERCENTILE_QUERIES = 0 if kpis.percentiles_in_aggregate() else 3
