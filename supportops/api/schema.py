"""OpenAPI pieces every API module shares."""

from drf_spectacular.utils import OpenApiResponse

FIELD_ERRORS = OpenApiResponse(
    response={"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
    description="Refused: each refused field (or non_field_errors) maps to its messages; nothing changed.",
)
