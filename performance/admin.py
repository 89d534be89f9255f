"""Django admin of conversation QA: scorecards with their versions, sections and criteria; QA settings; and the
topic admins (sampling, calibration, disputes) registered from their own modules."""

from __future__ import annotations

from . import (  # noqa: F401
    admin_calibration,
    admin_cycles,
    admin_disputes,
    admin_people,
    admin_sampling,
    admin_scorecards,
)
