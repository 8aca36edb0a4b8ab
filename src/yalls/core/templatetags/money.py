"""`{% load money %}{{ order.total_cents|money:order.currency }}`: integer cents shown in the
active language's money format (yalls.core.i18n.money_format)."""

from django import template

from yalls.core.i18n import money_format

register = template.Library()


@register.filter(name="money")
def money(cents, currency="USD"):
    if cents is None or cents == "":
        return ""
    try:
        return money_format(int(cents), str(currency or "USD"))
    except (TypeError, ValueError):
        return ""
