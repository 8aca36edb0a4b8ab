"""In development (DEBUG on) a missing page renders yalls' own 404, not Django's technical page."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/no-such-page", "/p/00000000-0000-0000-0000-000000000000"])
def test_development_404_is_the_styled_page(client, settings, path):
    settings.DEBUG = True
    response = client.get(path)
    assert response.status_code == 404
    html = response.content.decode()
    assert "/static/yalls/css/app" in html
    assert "Try a search instead" in html
    assert "URLconf" not in html and "Django tried these URL patterns" not in html


def test_api_404_stays_problem_json_in_development(client, settings):
    settings.DEBUG = True
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert "Try a search instead" not in response.content.decode()
