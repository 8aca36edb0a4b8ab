"""Notifications for events of the layers below (accounts), registered in NotificationsConfig.ready():
those layers offer hooks rather than import the send path that sits above them."""

import hashlib

from django.utils.translation import gettext as _

from yalls.core.i18n import in_language_of
from yalls.notifications.services import notify


def link_verified(*, link, actor=None) -> None:
    """Tell the member their link is verified (once per link and address: a re-check that
    verifies the same address again is not news)."""
    from yalls.accounts.linked_accounts.providers import PROVIDERS

    rule = PROVIDERS.get(link.provider)
    label = rule.label if rule else link.get_provider_display()
    with in_language_of(link.member):
        title = _("Your %(label)s link is verified") % {"label": label}
    notify(
        recipient=link.member,
        kind="accounts.link_verified",
        title=title,
        body=link.url,
        link="/settings/links",
        actor=actor,
        target_type="linked_account",
        target_id=str(link.pk),
        dedupe_key=f"link_verified:{link.pk}:{hashlib.sha256(link.url.encode()).hexdigest()[:16]}",
    )
