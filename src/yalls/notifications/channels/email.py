"""The email channel: one notification or a digest, rendered from HTML and text templates and sent
through Django's email backend (`EMAIL_URL`), each with a signed one-click unsubscribe link.

The unsubscribe token is `django.core.signing` over (member id, category) with its own salt: it
needs no sign-in, cannot be forged or pointed at another member, and expires after
`UNSUBSCRIBE_MAX_AGE` (old mails then show a clear "link expired" page). The `List-Unsubscribe`
and `List-Unsubscribe-Post` headers (RFC 8058) let mail clients unsubscribe with one POST.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from yalls.core.errors import DomainError
from yalls.core.i18n import in_language_of
from yalls.notifications.models import Category

UNSUBSCRIBE_SALT = "yalls.notifications.unsubscribe"
UNSUBSCRIBE_MAX_AGE = 60 * 60 * 24 * 180  # 180 days: mails are read late
DIGEST = "digest"  # the token "category" that turns digests off
UNSUBSCRIBE_TOPICS = (*Category.values, DIGEST)


def unsubscribe_token(member_id, topic: str) -> str:
    if topic not in UNSUBSCRIBE_TOPICS:
        raise ValueError(f"unknown unsubscribe topic {topic!r}")
    return signing.dumps({"m": str(member_id), "c": topic}, salt=UNSUBSCRIBE_SALT)


def unsubscribe_read(token: str) -> tuple[str, str]:
    """(member id, topic) from a token; a tampered, foreign or expired one is a 400 DomainError."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT, max_age=UNSUBSCRIBE_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise DomainError(
            "notifications.unsubscribe_expired",
            _("This unsubscribe link has expired. Sign in and change your notification settings."),
        ) from exc
    except signing.BadSignature as exc:
        raise DomainError(
            "notifications.unsubscribe_invalid",
            _("This unsubscribe link is not valid. Sign in and change your notification settings."),
        ) from exc
    if not isinstance(data, dict) or data.get("c") not in UNSUBSCRIBE_TOPICS or not data.get("m"):
        raise DomainError(
            "notifications.unsubscribe_invalid", _("This unsubscribe link is not valid.")
        )
    return data["m"], data["c"]


def unsubscribe_url(member_id, topic: str) -> str:
    path = reverse("notifications_unsubscribe", args=[unsubscribe_token(member_id, topic)])
    return f"{settings.SITE_URL}{path}"


def absolute(link: str) -> str:
    return f"{settings.SITE_URL}{link}" if link.startswith("/") else link


def _send(*, to: str, subject: str, template: str, context: dict, unsubscribe: str) -> None:
    context = {**context, "site_url": settings.SITE_URL, "unsubscribe_url": unsubscribe}
    message = EmailMultiAlternatives(
        subject=subject[:200],
        body=render_to_string(f"notifications/email/{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(
        render_to_string(f"notifications/email/{template}.html", context), "text/html"
    )
    message.send()


def notification_email(notification) -> None:
    """Email one notification to its recipient (the caller checked preferences)."""
    member = notification.recipient
    # Emails go out from jobs: in the recipient's language, not whoever caused them.
    with in_language_of(member):
        _notification_email(notification, member)


def _notification_email(notification, member) -> None:
    category_label = Category(notification.category).label
    _send(
        to=member.email,
        subject=notification.title,
        template="notification",
        context={
            "member": member,
            "notification": notification,
            "link": absolute(notification.link) if notification.link else "",
            "category_label": category_label,
        },
        unsubscribe=unsubscribe_url(member.pk, notification.category),
    )


def digest_email(*, member, sections: list[dict], total: int, period_label: str) -> None:
    """`sections`: [{"label": "Social", "count": 12, "items": [notification, ...]}, ...]."""
    with in_language_of(member):
        _digest_email(member=member, sections=sections, total=total, period_label=period_label)


def _digest_email(*, member, sections: list[dict], total: int, period_label: str) -> None:
    period_label = {
        "daily": pgettext("digest period", "daily"),
        "weekly": pgettext("digest period", "weekly"),
    }.get(period_label, period_label)
    _send(
        to=member.email,
        subject=_("Your %(period)s digest: %(total)s unread")
        % {"period": period_label, "total": total},
        template="digest",
        context={
            "member": member,
            "sections": sections,
            "total": total,
            "period_label": period_label,
            "notifications_url": f"{settings.SITE_URL}/notifications",
        },
        unsubscribe=unsubscribe_url(member.pk, DIGEST),
    )
