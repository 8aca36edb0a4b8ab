"""/moderation/: the linked-account review queue (moderators, admins) and badge grants (admins)."""

from django.urls import path

from yalls.accounts.linked_accounts import views

urlpatterns = [
    path("links", views.moderation_links, name="moderation_links"),
    path(
        "links/<uuid:link_id>/decide", views.moderation_link_decide, name="moderation_link_decide"
    ),
    path("badges", views.moderation_badges, name="moderation_badges"),
    path("badges/new", views.moderation_badge_define, name="moderation_badge_define"),
    path("badges/revoke", views.moderation_badge_revoke, name="moderation_badge_revoke"),
]
