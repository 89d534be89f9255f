"""Safe rendering of lesson and task markdown: ``render_markdown(text)`` is HTML that can be shown as is.

Markdown is converted with the ``markdown`` library, then sanitised with ``nh3``: only a small set of formatting
tags survives; scripts, styles, iframes and forms are removed with their content; event handlers and ``style``
attributes are dropped; links keep only http, https and mailto addresses (a ``javascript:`` link loses its href)
and get ``rel="noopener noreferrer"``; images keep only http(s) sources.
"""

from __future__ import annotations

import markdown as markdown_lib  # type: ignore[import-untyped]
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em", "h1", "h2", "h3", "h4",
        "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre", "span", "strong", "sub", "sup", "table", "tbody", "td",
        "th", "thead", "tr", "ul",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title"},
    "td": {"align"},
    "th": {"align"},
}
REMOVED_WITH_CONTENT = frozenset({"script", "style", "iframe", "object", "embed", "form", "textarea", "select"})
URL_SCHEMES = frozenset({"http", "https", "mailto"})
EXTENSIONS = ["extra", "sane_lists"]


def render_markdown(text: str) -> SafeString:
    """``text`` (markdown, possibly with raw HTML) as sanitised HTML, safe to insert in a page."""
    html = markdown_lib.markdown(text or "", extensions=EXTENSIONS, output_format="html")
    cleaned = nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(REMOVED_WITH_CONTENT),
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
    return mark_safe(cleaned)  # noqa: S308  (sanitised by nh3 just above)
