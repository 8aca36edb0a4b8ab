"""Locale-aware formatting that Django's own l10n does not cover: money as integer cents plus an
ISO currency, written the way a reader of the active language expects (docs/i18n.md)."""

from decimal import Decimal

from babel.numbers import format_currency, get_currency_precision
from django.conf import settings
from django.utils import translation


def babel_locale(language: str | None = None) -> str:
    """Babel's name for a Django language code ("es", "pt-br" → "pt_BR"); the active one by default."""
    return translation.to_locale(language or translation.get_language() or "en")


def language_of(member) -> str:
    """The member's saved language when we ship it, else the site's default."""
    code = getattr(member, "locale", "") or settings.LANGUAGE_CODE
    return code if code in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def in_language_of(member):
    """Render texts for someone else (a notification, an email) in their language, not in the
    language of the request or job that causes them: `with in_language_of(recipient): ...`."""
    return translation.override(language_of(member))


def money_format(cents: int, currency: str, *, language: str | None = None) -> str:
    """1234550, "USD" → "$12,345.50" (en), "12.345,50 US$" (es), "12 345,50 $US" (fr).

    Cents are the currency's minor unit; currencies without one (JPY) are stored whole."""
    currency = (currency or "USD").upper()
    amount = Decimal(int(cents)).scaleb(-get_currency_precision(currency))
    return format_currency(amount, currency, locale=babel_locale(language))
