"""Template helpers of the pages: icons, times in the viewer's zone, durations, CSAT and bar charts."""

from __future__ import annotations

import zlib
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

UTC = ZoneInfo("UTC")

# Hand-drawn 24×24 stroke icons (currentColor), so the pages load no icon font or external asset.
_ICON_PATHS = {
    "home": '<path d="M3.5 10.5 12 3.5l8.5 7"/><path d="M5.5 9v11h5v-6h3v6h5V9"/>',
    "users": (
        '<circle cx="9" cy="8" r="3.5"/><path d="M2.5 20c0-3.6 2.9-6 6.5-6s6.5 2.4 6.5 6"/>'
        '<path d="M16 4.7a3.5 3.5 0 0 1 0 6.6"/><path d="M18.2 14.4c2 .8 3.3 2.8 3.3 5.6"/>'
    ),
    "user": '<circle cx="12" cy="8" r="4"/><path d="M4 21c0-4.4 3.6-7 8-7s8 2.6 8 7"/>',
    "chat": '<path d="M4 5.5h16v11H10l-5 4v-4H4z"/>',
    "settings": (
        '<path d="M4 6h9M18 6h2M4 12h3M12 12h8M4 18h11M20 18h0"/>'
        '<circle cx="15.5" cy="6" r="2"/><circle cx="9.5" cy="12" r="2"/><circle cx="17.5" cy="18" r="2"/>'
    ),
    "code": '<path d="m8.5 7-5 5 5 5M15.5 7l5 5-5 5"/>',
    "logout": '<path d="M14 4h5v16h-5"/><path d="m9.5 8-4 4 4 4M5.5 12H15"/>',
    "menu": '<path d="M4 6.5h16M4 12h16M4 17.5h16"/>',
    "close": '<path d="m6 6 12 12M18 6 6 18"/>',
    "search": '<circle cx="11" cy="11" r="6.5"/><path d="m20 20-4.2-4.2"/>',
    "arrow-left": '<path d="M19 12H5m6-6-6 6 6 6"/>',
    "arrow-right": '<path d="M5 12h14m-6-6 6 6-6 6"/>',
    "external": '<path d="M14 4h6v6M20 4l-9 9M18 14v6H4V6h6"/>',
    "calendar": '<rect x="3.5" y="5" width="17" height="15" rx="2"/><path d="M3.5 10h17M8 3v4M16 3v4"/>',
    "book": '<path d="M5 4.5A1.5 1.5 0 0 1 6.5 3H20v15H6.5A1.5 1.5 0 0 0 5 19.5z"/><path d="M5 19.5V21h15"/>',
    "clipboard": '<rect x="5" y="4" width="14" height="17" rx="2"/><path d="M9 4V2.8h6V4M9 13l2 2 4-4"/>',
    "inbox": '<path d="M3 13h5l1.5 3h5l1.5-3h5"/><path d="M5.5 5h13L21 13v6H3v-6z"/>',
    "alert": '<path d="M12 3.5 2.5 20h19z"/><path d="M12 10v4.5M12 17.2v.1"/>',
    "star": '<path d="m12 3.5 2.6 5.4 5.9.8-4.3 4.1 1.1 5.9L12 16.9l-5.3 2.8 1.1-5.9-4.3-4.1 5.9-.8z"/>',
    "clock": '<circle cx="12" cy="12" r="8.5"/><path d="M12 7.5V12l3 2"/>',
    "chart": '<path d="M4 4v16h16"/><path d="m7.5 14.5 3.5-4 3 2.5 5-6.5"/>',
    "sliders": '<path d="M4 7h10M18 7h2M4 17h4M12 17h8"/><circle cx="16" cy="7" r="2"/><circle cx="10" cy="17" r="2"/>',
    "plus": '<path d="M12 5v14M5 12h14"/>',
    "trash": '<path d="M4.5 7h15M9.5 7V4.5h5V7M6.5 7l1 13h9l1-13"/>',
    "globe": '<circle cx="12" cy="12" r="8.5"/><path d="M3.5 12h17M12 3.5c2.5 2.6 3.5 5.4 3.5 8.5s-1 5.9-3.5 8.5'
    'C9.5 17.9 8.5 15.1 8.5 12s1-5.9 3.5-8.5"/>',
}


@register.simple_tag
def icon(name: str, size: int = 18, label: str = "") -> SafeString:
    """An inline SVG icon; decorative (hidden from screen readers) unless ``label`` is given."""
    paths = _ICON_PATHS[name]
    accessibility = format_html('role="img" aria-label="{}"', label) if label else mark_safe('aria-hidden="true"')
    return format_html(
        '<svg class="icon icon-{}" width="{}" height="{}" viewBox="0 0 24 24" fill="none" stroke="currentColor" '
        'stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" {}>{}</svg>',
        name,
        size,
        size,
        accessibility,
        mark_safe(paths),  # constant markup defined above
    )


def zone_abbreviation(moment: datetime) -> str:
    """The zone's abbreviation at that moment (SGT-style names as the tz database has them, else UTC±h)."""
    name = moment.tzname() or "UTC"
    if name[0] not in "+-":
        return name
    offset = moment.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "−"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}:{rest:02d}" if rest else f"UTC{sign}{hours}"


def _zone_for(context: template.Context, team: Any) -> ZoneInfo:
    viewer_zone = context.get("viewer_zone")
    if viewer_zone is not None:
        return viewer_zone
    if team:  # a missing relation renders as an empty string in templates
        return team.zone
    return UTC


@register.simple_tag(takes_context=True)
def local_time(context: template.Context, value: datetime | None, team: Any = None, style: str = "full") -> str:
    """A time in the viewer's zone (an agent's own), else the object's team zone, else UTC, with the zone named.

    ``style``: ``long`` (“Mon 2 Mar 2026, 17:05 UTC+8”), ``full`` (“2 Mar 2026, 17:05”), ``short``
    (“2 Mar, 17:05”) or ``clock`` (“17:05”), each followed by the zone.
    """
    if value is None:
        return format_html('<span class="muted">—</span>')
    zone = _zone_for(context, team)
    moment = value.astimezone(zone)
    if style == "clock":
        text = f"{moment:%H:%M}"
    elif style == "short":
        text = f"{moment.day} {moment:%b}, {moment:%H:%M}"
    elif style == "full":
        text = f"{moment.day} {moment:%b %Y}, {moment:%H:%M}"
    else:
        text = f"{moment:%a} {moment.day} {moment:%b %Y}, {moment:%H:%M}"
    return format_html(
        '<time datetime="{}" title="{}">{} <span class="tz">{}</span></time>',
        value.astimezone(UTC).isoformat(),
        f"{moment:%Y-%m-%d %H:%M} {zone.key}",
        text,
        zone_abbreviation(moment),
    )


@register.simple_tag(takes_context=True)
def zone_label(context: template.Context, team: Any = None) -> str:
    """The IANA name and current abbreviation of the zone times are shown in, e.g. “Asia/Singapore (UTC+8)”."""
    zone = _zone_for(context, team)
    return f"{zone.key} ({zone_abbreviation(datetime.now(tz=zone))})"


@register.filter
def zone_now_abbreviation(zone: ZoneInfo | str | None) -> str:
    """The current abbreviation of a zone (a ZoneInfo or an IANA name)."""
    if not zone:
        return ""
    zone_info = zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)
    return zone_abbreviation(datetime.now(tz=zone_info))


@register.filter
def duration(seconds: float | int | None) -> str:
    """Seconds as people say them: “45 s”, “12 min”, “1 h 05 min”, “2 d 3 h”."""
    if seconds is None:
        return "—"
    total = round(float(seconds))
    if total < 90:
        return f"{total} s"
    minutes = round(total / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"


@register.filter
def elapsed(end: datetime | None, start: datetime | None) -> float | None:
    """Seconds from ``start`` to ``end`` (``{{ end|elapsed:start|duration }}``)."""
    if end is None or start is None:
        return None
    return (end - start).total_seconds()


@register.filter
def initials(name: str) -> str:
    """Up to two initials of a name, for avatars."""
    parts = [part for part in str(name).replace("_", " ").split() if part]
    return "".join(part[0] for part in parts[:2]).upper() or "?"


@register.filter
def hue(name: str) -> int:
    """A stable colour hue (0-359) for a name, so each person keeps their avatar colour."""
    return zlib.crc32(str(name).encode()) % 360


@register.filter
def csat_level(score: float | None) -> str:
    """good / fair / poor for colouring a CSAT score of 1-5."""
    if score is None:
        return "none"
    if score >= 4:
        return "good"
    if score >= 3:
        return "fair"
    return "poor"


@register.inclusion_tag("supportops/includes/stars.html")
def csat_stars(score: int | None) -> dict[str, Any]:
    """Five stars with ``score`` of them filled, labelled for screen readers."""
    return {"score": score, "stars": [score is not None and index < score for index in range(5)]}


@register.filter
def proficiency_dots(level: int) -> list[bool]:
    """Five booleans, the first ``level`` true."""
    return [index < level for index in range(5)]


@register.inclusion_tag("supportops/includes/bar_chart.html")
def bar_chart(daily: list[Any], label: str = "Conversations per day") -> dict[str, Any]:
    """A server-rendered SVG bar chart of ``DayCount``s (oldest first), the last bar being today."""
    width, height, top, bottom = 336, 96, 14, 20
    count = max(len(daily), 1)
    slot = width / count
    bar_width = slot * 0.64
    peak = max((day.count for day in daily), default=0)
    scale = (height - top - bottom) / peak if peak else 0
    bars = []
    for index, day in enumerate(daily):
        bar_height = max(day.count * scale, 2 if day.count else 0)
        bars.append(
            {
                "x": round(index * slot + (slot - bar_width) / 2, 1),
                "y": round(height - bottom - bar_height, 1),
                "height": round(bar_height, 1),
                "width": round(bar_width, 1),
                "day": day.day,
                "count": day.count,
                "is_today": index == len(daily) - 1,
                "label_x": round(index * slot + slot / 2, 1),
                "show_label": index in (0, len(daily) // 2, len(daily) - 1),
            }
        )
    total = sum(day.count for day in daily)
    first: date | None = daily[0].day if daily else None
    last: date | None = daily[-1].day if daily else None
    summary = f"{label}: {total} in total from {first:%d %b} to {last:%d %b}, at most {peak} a day." if daily else label
    return {
        "bars": bars,
        "width": width,
        "height": height,
        "baseline": height - bottom,
        "peak": peak,
        "peak_y": top,
        "summary": summary,
        "total": total,
    }


@register.filter
def day_number(start: date) -> int:
    """Which day since ``start`` today is, counting ``start`` as day 1 (“day 12 of onboarding”)."""
    return (datetime.now(tz=UTC).date() - start).days + 1
