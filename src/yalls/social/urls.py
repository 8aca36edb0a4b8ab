"""Routes of the social pages."""

from django.urls import path  # noqa: F401

urlpatterns: list = []

from yalls.social.views.engagement import urlpatterns as engagement_urls  # noqa: E402

urlpatterns += engagement_urls  # favorites, pins, follows, blocks, mutes, hides, /settings/privacy
from yalls.social.views.posts import urlpatterns as post_urls  # noqa: E402

urlpatterns += post_urls  # compose draft/preview, /p/<id>, /entities/<handle>/approvals
from yalls.social.views.follows import urlpatterns as follow_list_urls  # noqa: E402

urlpatterns += follow_list_urls  # /@handle/followers, /@handle/following
from yalls.social.views.mentions import urlpatterns as mention_urls  # noqa: E402

urlpatterns += mention_urls  # /compose/mentions (the composer's @mention suggestions)
