"""The pages served when the server itself fails share one shell and speak the visitor's language."""

import pytest
from django.template.loader import render_to_string
from django.utils import translation


@pytest.mark.parametrize(
    ("template", "heading"),
    [("500.html", "Something went wrong"), ("503.html", "Back in a moment")],
)
def test_server_error_pages_render_without_a_request(template, heading):
    html = render_to_string(template)
    assert f"<h1>{heading}</h1>" in html
    assert '<html lang="en">' in html
    assert 'href="/static/yalls/css/app.css"' in html


def test_server_error_pages_follow_the_active_language():
    with translation.override("fr"):
        html = render_to_string("503.html")
    assert '<html lang="fr">' in html
    assert "Back in a moment" not in html
