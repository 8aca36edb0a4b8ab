"""Top-level routes: the web shell, allauth, each app's pages, the API and health."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from django.views.i18n import JavaScriptCatalog
from django.views.static import serve

from yalls import views
from yalls.accounts import views as account_views
from yalls.api import api
from yalls.core.health import health
from yalls.core.ops import views as ops_views
from yalls.core.storage import private_file_serve
from yalls.notifications import views as notification_views
from yalls.social.views import posts as post_views

urlpatterns = [
    path("health", health, name="health"),
    path("files/<path:name>", private_file_serve, name="private_file"),
    path("metrics", ops_views.metrics, name="metrics"),
    path("favicon.ico", RedirectView.as_view(url="/static/yalls/img/favicon.svg", permanent=True)),
    path("admin/", admin.site.urls),
    path("ops/flags/", include("yalls.core.flags.urls")),
    path("ops/", include("yalls.core.ops.urls")),
    path("webhooks/", include("yalls.core.webhooks.urls")),
    # allauth's session table would repeat our sessions page: one designed page instead.
    path(
        "accounts/sessions/",
        RedirectView.as_view(pattern_name="settings_sessions", permanent=False),
    ),
    path("accounts/", include("allauth.urls")),
    path("i18n/setlang/", account_views.language_set, name="set_language"),
    # The JavaScript catalog: gettext()/ngettext()/interpolate() for strings scripts write.
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("api/v1/", api.urls),
    path("api/docs", RedirectView.as_view(url="/api/v1/docs", permanent=False), name="api_docs"),
    re_path(r"^api/", views.api_not_found),
    path("", views.home, name="home"),
    path("search", views.search, name="search"),
    path("compose", post_views.compose, name="compose"),
    path("notifications", notification_views.page, name="notifications"),
    path("notifications/", include("yalls.notifications.urls")),
    path("", include("yalls.notifications.views_settings")),  # settings, unsubscribe, broadcast
    path("settings/", include("yalls.accounts.urls")),
    path("moderation/", include("yalls.accounts.moderation_urls")),
    path("entities/", include("yalls.entities.urls")),
    path("", include("yalls.social.urls")),
    path("@<str:handle>", views.profile, name="profile"),
    # Public media only (avatars); private files go through the signed, checked files/ route.
    re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
]

# A body Django finds too large while a middleware reads it (CSRF) arrives here as a 400: say 413.
handler400 = "yalls.core.input_guard.bad_request"
# Errors raised outside views (middleware): a database outage answers 503, the rest 500.
handler500 = "yalls.core.db_outage.server_error"
