"""The private iCalendar feed URL, ``/calendar/<token>.ics``: no login, the token is the credential."""

from __future__ import annotations

import hashlib

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.views.decorators.http import require_safe

from . import selectors, services

FEED_MAX_AGE_SECONDS = 15 * 60


@require_safe
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The feed's published shifts as ``text/calendar``; 404 for an unknown or revoked token.

    Calendar clients poll: the answer may be cached privately for 15 minutes and carries an ETag, so an
    unchanged calendar costs a 304.
    """
    feed = selectors.calendar_feed_for_token(token)
    if feed is None:
        raise Http404("No such calendar.")
    body = services.calendar_feed_ics(feed=feed)
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{"team" if feed.team_id else "shifts"}.ics"'
    response["ETag"] = etag
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    patch_cache_control(response, private=True, max_age=FEED_MAX_AGE_SECONDS)
    patch_vary_headers(response, ["Accept-Encoding"])
    conditional = get_conditional_response(request, etag=etag, response=response)
    return conditional if conditional is not None else response


urlpatterns = [path("<str:token>.ics", calendar_feed, name="calendar-feed")]
