"""Helpers of the performance page tests: a signed-in client, a response's HTML with its status checked, and the
page as its text reads (tags and scripts dropped, whitespace collapsed)."""

from __future__ import annotations

import html as html_module
import re
from typing import Any

from django.test import Client


def client_for(user: Any) -> Client:
    """A test client signed in as ``user``."""
    client = Client()
    client.force_login(user)
    return client


def text_of(response: Any, status: int = 200) -> str:
    """The response's HTML, after checking its status."""
    assert response.status_code == status, (response.status_code, response.content[:2000])
    return str(response.content.decode())


def squashed(html: str) -> str:
    """The page's text as read: no tags or scripts, whitespace collapsed, "50 %" written "50%"."""
    text = html_module.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<script.*?</script>", " ", html, flags=re.S)))
    return re.sub(r"\s+", " ", text).replace(" %", "%")
