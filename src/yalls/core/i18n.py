"""Locale-aware formatting that Django's own l10n does not cover: money as integer cents plus an
ISO currency, written the way a reader of the active language expects (docs/i18n.md)."""

from decimal import Decimal

from babel.numbers import format_currency, get_currency_precision
from django.utils import translation


def babel_locale(language: str | None = None) -> str:
    """Babel's name for a Django language code ("es", "pt-br" → "pt_BR"); the active one by default."""
    return translation.to_locale(language or translation.get_language() or "en")


def money_format(cents: int, currency: str, *, language: str | None = None) -> str:
    """1234550, "USD" → "$12,345.50" (en), "12.345,50 US$" (es), "12 345,50 $US" (fr).

    Cents are the currency's minor unit; currencies without one (JPY) are stored whole."""
    currency = (currency or "USD").upper()
    amount = Decimal(int(cents)).scaleb(-get_currency_precision(currency))
    return format_currency(amount, currency, locale=babel_locale(language))
