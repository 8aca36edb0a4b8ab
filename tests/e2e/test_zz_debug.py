import pytest
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

def test_debug(page):
    log = []
    page.on("response", lambda r: log.append((r.status, r.url, r.headers.get("content-type"))))
    page.on("console", lambda m: log.append(("console", m.text)))
    page.on("requestfailed", lambda r: log.append(("failed", r.url, r.failure)))
    page.goto("/accounts/login/")
    page.wait_for_timeout(500)
    for l in log: print(l)
    print(page.evaluate("document.styleSheets.length"))
    assert 0
