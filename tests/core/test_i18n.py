"""Internationalisation: the catalogues are complete, pages switch language (menu, saved locale,
Accept-Language), and money and dates are written the way each language writes them."""

import datetime as dt
import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.template import Context, Template
from django.utils import timezone, translation

from tests.factories import MemberFactory
from yalls.core.i18n import money_format

SRC = Path(settings.BASE_DIR)
LANGUAGES = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
DOMAINS = ["django", "djangojs"]  # templates and Python; scripts (Django's JavaScriptCatalog)


# --- The catalogue check: every marked string has an es and an fr translation --------------------
@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """Run makemessages over a copy of the source (templates and Python for `django`, scripts for
    `djangojs`), so the check sees strings marked since the catalogues were last updated without
    touching the real ones."""
    if shutil.which("xgettext") is None:
        pytest.fail(
            "GNU gettext is needed (Debian: apt-get install gettext; make test installs it)"
        )
    root = tmp_path_factory.mktemp("i18n") / "yalls"
    shutil.copytree(
        SRC, root, ignore=shutil.ignore_patterns("__pycache__", "*.mo", "migrations", "demo")
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        patch.setattr(settings, "LOCALE_PATHS", [root / "locale"])
        options = {"locale": LANGUAGES, "no_obsolete": True, "verbosity": 0}
        call_command("makemessages", domain="django", ignore_patterns=["static/*"], **options)
        call_command("makemessages", domain="djangojs", **options)
    return {
        (domain, code): polib.pofile(str(root / "locale" / code / "LC_MESSAGES" / f"{domain}.po"))
        for domain in DOMAINS
        for code in LANGUAGES
    }


def _provided_elsewhere(entry: polib.POEntry, language: str) -> bool:
    """allauth and Django ship their own es/fr catalogues; an override template that reuses one of
    their strings is translated by them, so ours stays empty rather than copying it."""
    with translation.override(language):
        if entry.msgid_plural:
            return translation.ngettext(entry.msgid, entry.msgid_plural, 2) != entry.msgid_plural
        if entry.msgctxt:
            return translation.pgettext(entry.msgctxt, entry.msgid) != entry.msgid
        return translation.gettext(entry.msgid) != entry.msgid


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_marked_string_is_translated_and_not_fuzzy(extracted, domain, language):
    catalogue = extracted[(domain, language)]
    missing = [
        e.msgid
        for e in catalogue
        if not e.obsolete
        and ("fuzzy" in e.flags or not e.translated())
        and not ("fuzzy" not in e.flags and _provided_elsewhere(e, language))
    ]
    assert not missing, (
        f"{len(missing)} marked strings have no {language} translation (or a fuzzy one); run "
        f"`make messages`, translate them in src/yalls/locale/{language}/LC_MESSAGES/{domain}.po "
        f"and compile (docs/i18n.md):\n- " + "\n- ".join(missing[:40])
    )


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogue_matches_the_po_file(domain, language):
    """The committed .mo is what Django reads: it must hold every translation of the .po."""
    folder = SRC / "locale" / language / "LC_MESSAGES"
    po, mo = polib.pofile(str(folder / f"{domain}.po")), polib.mofile(str(folder / f"{domain}.mo"))
    compiled = {(e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in mo}
    stale = [
        e.msgid
        for e in po.translated_entries()
        if compiled.get((e.msgctxt, e.msgid)) != (e.msgstr, e.msgstr_plural)
    ]
    assert not stale, (
        f"django.mo is older than django.po ({language}): run `make messages`\n{stale[:10]}"
    )


def test_placeholders_survive_translation():
    """A translation that drops or renames a %(name)s would crash (or lie) at run time."""
    import re

    pattern = re.compile(r"%\(\w+\)[sd]|\{\w*\}")
    for language, domain in [(lang, domain) for lang in LANGUAGES for domain in DOMAINS]:
        po = polib.pofile(str(SRC / "locale" / language / "LC_MESSAGES" / f"{domain}.po"))
        for e in po.translated_entries():
            wanted = sorted(set(pattern.findall(e.msgid)))
            if e.msgid_plural:
                for text in e.msgstr_plural.values():
                    assert sorted(set(pattern.findall(text))) <= sorted(
                        set(pattern.findall(e.msgid_plural)) | set(wanted)
                    ), (language, e.msgid, text)
            else:
                assert sorted(set(pattern.findall(e.msgstr))) == wanted, (
                    language,
                    e.msgid,
                    e.msgstr,
                )


# --- Money and dates --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "$12,345.50"), ("es", "12.345,50\xa0US$"), ("fr", "12\u202f345,50\xa0$US")],
)
def test_money_is_written_per_language(language, expected):
    assert money_format(1234550, "USD", language=language) == expected


def test_money_filter_uses_the_active_language_and_the_currency_minor_unit():
    template = Template('{% load money %}{{ cents|money:"EUR" }} / {{ yen|money:"JPY" }}')
    with translation.override("fr"):
        text = template.render(Context({"cents": 199900, "yen": 1200}))
    assert text == "1\u202f999,00\xa0€ / 1\u202f200\xa0JPY"
    with translation.override("en"):
        assert template.render(Context({"cents": 5, "yen": 1200})) == "€0.05 / ¥1,200"


def test_dates_and_numbers_follow_the_active_language():
    template = Template("{% load l10n %}{{ when|date:'DATE_FORMAT' }} · {{ n|localize }}")
    context = Context({"when": dt.date(2026, 3, 7), "n": 1234.5})
    with translation.override("en"):
        assert template.render(context) == "March 7, 2026 · 1234.5"
    with translation.override("es"):
        assert template.render(context) == "7 de marzo de 2026 · 1234,5"
    with translation.override("fr"):
        assert template.render(context) == "7 mars 2026 · 1234,5"


# --- Choosing the language ---------------------------------------------------------------------------
@pytest.mark.django_db
def test_visitor_gets_the_browser_language(client):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9,en;q=0.5")
    assert response.headers["Content-Language"] == "es"
    assert '<html lang="es">' in response.content.decode()
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9")
    assert response.headers["Content-Language"] == "en"  # not offered: the default


@pytest.mark.django_db
def test_language_menu_switches_a_visitor_and_returns_to_the_page(client):
    response = client.post("/i18n/setlang/", {"language": "fr", "next": "/search?q=poney"})
    assert response.status_code == 302 and response["Location"] == "/search?q=poney"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    page = client.get("/search?q=poney", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="fr">' in page
    assert "Changer de langue" in page and "Change language" not in page
    # Each language keeps its own name in the menu (not "Anglais").
    assert '<option value="en" lang="en">English</option>' in page
    assert '<option value="fr" lang="fr" selected>Français</option>' in page
    # An unsafe next is ignored, not followed off-site.
    response = client.post("/i18n/setlang/", {"language": "es", "next": "https://evil.example/"})
    assert response["Location"] != "https://evil.example/"


@pytest.mark.django_db
def test_signed_in_member_saved_locale_wins_and_the_menu_saves_it(client):
    member = MemberFactory(locale="es")
    client.force_login(member)
    # Their saved Spanish beats the browser's French and a stale English cookie.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/settings/profile", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.headers["Content-Language"] == "es"
    assert "Guardar" in response.content.decode()

    client.post("/i18n/setlang/", {"language": "fr", "next": "/settings/profile"})
    member.refresh_from_db()
    assert member.locale == "fr"
    page = client.get("/settings/profile", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert '<html lang="fr">' in page and "Enregistrer" in page


@pytest.mark.django_db
def test_unknown_language_in_the_menu_changes_nothing(client):
    member = MemberFactory(locale="es")
    client.force_login(member)
    response = client.post("/i18n/setlang/", {"language": "xx", "next": "/"})
    assert response.status_code in {302, 204}
    member.refresh_from_db()
    assert member.locale == "es"


@pytest.mark.django_db
def test_api_errors_speak_the_members_language(client):
    member = MemberFactory(locale="fr")
    client.force_login(member)
    response = client.get("/api/v1/posts/00000000-0000-4000-8000-000000000000")
    assert response.status_code == 404
    assert response.headers["Content-Language"] == "fr"
    assert response.json()["detail"] == "Cette publication n'existe pas."


@pytest.mark.django_db
def test_member_sees_dates_in_their_language_and_zone(client):
    """Through the middlewares: a Spanish member in Denver reads a Spanish month, and a time
    stored in UTC converted to their zone."""
    member = MemberFactory(locale="es", timezone_name="America/Denver")
    User = type(member)
    # 03:30 UTC on 1 July is still 30 June in Denver.
    User.objects.filter(pk=member.pk).update(
        date_joined=dt.datetime(2026, 7, 1, 3, 30, tzinfo=dt.UTC)
    )
    client.force_login(member)
    page = client.get(f"/@{member.handle}").content.decode()
    assert "Miembro desde junio 2026" in page
    with translation.override("fr"), timezone.override("America/Denver"):
        text = Template("{{ when|date:'DATETIME_FORMAT' }}").render(
            Context({"when": dt.datetime(2026, 7, 4, 18, 0, tzinfo=dt.UTC)})
        )
    assert text == "4 juillet 2026 12:00"


@pytest.mark.django_db
def test_scripts_get_their_strings_from_the_javascript_catalog(client):
    response = client.get("/jsi18n/", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200
    assert "Brouillon enregistr\\u00e9 \\u00e0 %(time)s" in response.content.decode()
    page = client.get("/accounts/login/").content.decode()
    assert page.index('src="/jsi18n/"') < page.index("yalls/js/app.js")  # defined before use
