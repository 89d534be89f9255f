"""Lesson markdown is rendered to HTML and sanitised: no scripts, no javascript: links, no event handlers."""

from __future__ import annotations

import pytest

from onboarding.markdown import render_markdown


def test_markdown_renders_headings_emphasis_lists_and_tables():
    html = render_markdown("# Refunds\n\nRead **this** first.\n\n- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |\n")

    assert html.startswith("<h1>Refunds</h1>\n<p>Read <strong>this</strong> first.</p>\n<ul>\n<li>one</li>")
    assert "<td>1</td>" in html
    assert "<th>a</th>" in html


def test_links_get_noopener_noreferrer():
    html = render_markdown("[Help centre](https://help.example.com/refunds)")

    assert html == '<p><a href="https://help.example.com/refunds" rel="noopener noreferrer">Help centre</a></p>'


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<script>alert('x')</script>Safe text", "\n<p>Safe text</p>"),
        ("[click](javascript:alert(1))", '<p><a rel="noopener noreferrer">click</a></p>'),
        ('<a href="JaVaScRiPt:alert(1)">click</a>', '<p><a rel="noopener noreferrer">click</a></p>'),
        ("[click](java&#115;cript:alert(1))", '<p><a rel="noopener noreferrer">click</a></p>'),
        ('<img src="https://x.example/a.png" onerror="alert(1)">', '<p><img src="https://x.example/a.png"></p>'),
        ('<p onclick="steal()" style="color:red">Hi</p>', "<p>Hi</p>"),
        ('<iframe src="https://evil.example"></iframe>After', "\n<p>After</p>"),
        ("<style>body{display:none}</style>Visible", "\n<p>Visible</p>"),
        ('<form action="https://evil.example"><input name="pw"></form>Done', "\n<p>Done</p>"),
        ('<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>', '<p><a rel="noopener noreferrer">x</a></p>'),
        (
            '<a href="https://ok.example" target="_blank" rel="opener">ok</a>',
            '<p><a href="https://ok.example" rel="noopener noreferrer">ok</a></p>',
        ),
    ],
)
def test_malicious_input_is_neutralised(text, expected):
    html = render_markdown(text)

    assert html == expected
    lowered = html.lower()
    assert "<script" not in lowered
    assert "javascript:" not in lowered
    assert "onerror" not in lowered
    assert "onclick" not in lowered


def test_empty_content_renders_nothing():
    assert render_markdown("") == ""
