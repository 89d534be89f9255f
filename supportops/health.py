"""Health of the services SupportOps depends on: the database and the Celery broker."""

from dataclasses import dataclass

from django.conf import settings
from django.db import connection


@dataclass(frozen=True)
class ComponentHealth:
    """Whether one dependency answered, and what it said when it did not."""

    name: str
    is_healthy: bool
    detail: str

    def as_dict(self) -> dict[str, object]:
        return {"status": "ok" if self.is_healthy else "error", "detail": self.detail}


def database_health() -> ComponentHealth:
    """Run ``SELECT 1`` on the default database."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # noqa: BLE001 - any failure means unhealthy, and is reported
        return ComponentHealth("database", False, f"{type(error).__name__}: {error}")
    return ComponentHealth("database", True, connection.vendor)


def broker_health(timeout_seconds: int = 2) -> ComponentHealth:
    """Open a connection to the Celery broker; eager mode has no broker and is healthy by design."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return ComponentHealth("broker", True, "eager (tasks run inline, no broker configured)")
    from .celery import app

    try:
        with app.connection_for_write(url=settings.CELERY_BROKER_URL) as broker_connection:
            broker_connection.ensure_connection(max_retries=1, timeout=timeout_seconds)
    except Exception as error:  # noqa: BLE001 - any failure means unhealthy, and is reported
        return ComponentHealth("broker", False, f"{type(error).__name__}: {error}")
    return ComponentHealth("broker", True, broker_connection.transport_cls)


def system_health() -> tuple[bool, dict[str, object]]:
    """All components' health and whether every one is healthy."""
    components = [database_health(), broker_health()]
    is_healthy = all(component.is_healthy for component in components)
    return is_healthy, {
        "status": "ok" if is_healthy else "error",
        "components": {component.name: component.as_dict() for component in components},
    }
