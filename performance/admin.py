"""Django admin of conversation QA: scorecards with their versions, sections and criteria; QA settings; and the
topic admins (sampling, calibration, disputes) registered from their own modules."""

from __future__ import annotations

from . import admin_calibration, admin_disputes, admin_sampling, admin_scorecards  # noqa: F401
