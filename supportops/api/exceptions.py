"""JSON errors that name the field (or the row and field), and never a 500 for bad input.

- a refused field: ``{"<field>": ["message"]}``, whole-object rules under ``non_field_errors``;
- a refused batch (conversation import): ``{"detail": "Row N: field: message",
  "rows": {"<0-based row>": {"<field>": ["message"]}}}``, and nothing is stored.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import ProtectedError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from supportops.services import ConversationImportError


def django_error_detail(error: DjangoValidationError) -> dict[str, list[str]]:
    """A Django ValidationError as DRF's ``{field: [messages]}``, with ``__all__`` as ``non_field_errors``."""
    if not hasattr(error, "error_dict"):
        return {api_settings.NON_FIELD_ERRORS_KEY: list(error.messages)}
    return {
        (api_settings.NON_FIELD_ERRORS_KEY if name == NON_FIELD_ERRORS else name): list(messages)
        for name, messages in error.message_dict.items()
    }


def rows_refused(
    row_errors: dict[int, dict[str, list[str]]], *, detail: str | None = None
) -> exceptions.ValidationError:
    """The 400 of a refused batch: every bad row by 0-based index, and the first problem spelled out."""
    if detail is None:
        first_row = min(row_errors)
        first_field, first_messages = next(iter(row_errors[first_row].items()))
        detail = f"Row {first_row}: {first_field}: {first_messages[0]}"
    rows = {str(index): fields for index, fields in sorted(row_errors.items())}
    return exceptions.ValidationError({"detail": detail, "rows": rows})


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, extended to turn model validation and integrity errors into a 400."""
    if isinstance(exc, ConversationImportError):
        exc = rows_refused(exc.row_errors)
    elif isinstance(exc, DjangoValidationError) and callable(api_detail := getattr(exc, "api_detail", None)):
        # Errors that locate themselves (a file's lines, say) give their own body; apps above use this.
        return Response(api_detail(), status=status.HTTP_400_BAD_REQUEST)
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=django_error_detail(exc))
    elif isinstance(exc, ProtectedError):
        in_use = sorted({str(obj) for obj in exc.protected_objects})
        return Response(
            {api_settings.NON_FIELD_ERRORS_KEY: [f"It is still in use by: {', '.join(in_use[:10])}."]},
            status=status.HTTP_400_BAD_REQUEST,
        )
    elif isinstance(exc, IntegrityError):
        return Response(
            {
                api_settings.NON_FIELD_ERRORS_KEY: [
                    "This change conflicts with existing data (a duplicate or a broken rule)."
                ]
            },
            status=status.HTTP_400_BAD_REQUEST,
        )
    return drf_exception_handler(exc, context)
