"""Indexes the KPI dashboard needs at scale, and read-only SQL views for analysts (see docs/kpis.md).

The indexes are created with SQL rather than declared on the models: they serve the KPI read path only and carry
partial conditions. The views differ per database only in how seconds between two timestamps are computed.
"""

from django.db import migrations

INDEXES = [
    # Backlog: open conversations of a team's agents without scanning their resolved history.
    (
        "conversation_open_agent_created",
        "CREATE INDEX conversation_open_agent_created ON supportops_conversation (agent_id, created_at) "
        "WHERE resolved_at IS NULL",
    ),
    # Counted QA reviews per agent and submission time (IQS, QA by criterion), without the drafts.
    (
        "review_counted_agent_submitted",
        "CREATE INDEX review_counted_agent_submitted ON performance_review (agent_id, submitted_at) "
        "WHERE status = 'submitted' AND kind = 'standard'",
    ),
]

# A covering index (PostgreSQL only: SQLite has no INCLUDE): team and agent KPIs read these columns from the
# index alone instead of visiting one heap page per conversation.
POSTGRESQL_INDEXES = [
    (
        "conversation_agent_created_kpi",
        "CREATE INDEX conversation_agent_created_kpi ON supportops_conversation (agent_id, created_at) "
        "INCLUDE (id, first_response_at, resolved_at, handle_time_seconds, reopen_count, csat_score, queue_id)",
    ),
]

SECONDS = {
    "postgresql": "EXTRACT(EPOCH FROM ({late} - {early}))",
    "sqlite": "((julianday({late}) - julianday({early})) * 86400.0)",
}


def _conversations_view(vendor: str) -> str:
    seconds = SECONDS[vendor]
    first_response = seconds.format(late="c.first_response_at", early="c.created_at")
    resolution = seconds.format(late="c.resolved_at", early="c.created_at")
    return f"""
CREATE VIEW supportops_kpi_conversations AS
SELECT
    c.id AS conversation_id,
    c.source,
    c.external_id,
    c.created_at,
    c.first_response_at,
    c.resolved_at,
    c.agent_id,
    a.team_id,
    t.market_id,
    c.queue_id,
    q.name AS queue_name,
    q.channel AS queue_channel,
    {first_response} AS first_response_seconds,
    {resolution} AS resolution_seconds,
    c.handle_time_seconds,
    c.reopen_count,
    c.csat_score,
    CASE WHEN c.resolved_at IS NOT NULL THEN 1 ELSE 0 END AS is_resolved,
    CASE WHEN c.resolved_at IS NOT NULL AND c.reopen_count = 0 THEN 1 ELSE 0 END AS is_first_contact_resolution,
    CASE WHEN c.csat_score IS NULL THEN NULL WHEN c.csat_score >= 4 THEN 1 ELSE 0 END AS is_csat_positive,
    CASE
        WHEN q.id IS NULL THEN NULL
        WHEN c.first_response_at IS NULL THEN 0
        WHEN q.service_level_seconds IS NOT NULL AND {first_response} <= q.service_level_seconds THEN 1
        WHEN q.response_time_hours IS NOT NULL AND {first_response} <= q.response_time_hours * 3600 THEN 1
        ELSE 0
    END AS met_service_level,
    c.tags
FROM supportops_conversation c
LEFT JOIN supportops_agent a ON a.id = c.agent_id
LEFT JOIN supportops_team t ON t.id = a.team_id
LEFT JOIN supportops_queue q ON q.id = c.queue_id
"""


REVIEWS_VIEW = """
CREATE VIEW supportops_kpi_reviews AS
SELECT
    r.id AS review_id,
    r.conversation_id,
    r.agent_id,
    a.team_id,
    t.market_id,
    r.reviewer_id,
    r.kind,
    r.status,
    r.score,
    r.critical_failed,
    r.auto_failed,
    r.submitted_at,
    r.acknowledged_at,
    CASE WHEN r.status = 'submitted' AND r.kind = 'standard' THEN 1 ELSE 0 END AS counts_for_iqs
FROM performance_review r
JOIN supportops_agent a ON a.id = r.agent_id
JOIN supportops_team t ON t.id = a.team_id
"""


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for _, sql in INDEXES + (POSTGRESQL_INDEXES if vendor == "postgresql" else []):
        schema_editor.execute(sql)
    if vendor in SECONDS:
        schema_editor.execute(_conversations_view(vendor))
        schema_editor.execute(REVIEWS_VIEW)


def drop(apps, schema_editor):
    schema_editor.execute("DROP VIEW IF EXISTS supportops_kpi_reviews")
    schema_editor.execute("DROP VIEW IF EXISTS supportops_kpi_conversations")
    for name, _ in INDEXES + POSTGRESQL_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("supportops", "0005_helpdesk_integrations"),
        ("performance", "0001_qa"),
    ]

    operations = [migrations.RunPython(create, drop)]
