"""The composer's @mention autocomplete: GET /compose/mentions?q=ma returns the matching handles
as a small HTML list (composer.js shows it under the text box; without JS nothing asks)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from yalls.core.ratelimit import rate_limit
from yalls.social.selectors.mentions import mention_suggestions


@login_required
@require_GET
@rate_limit("high")
def mention_suggest(request):
    suggestions = mention_suggestions(request.user, request.GET.get("q", ""))
    return render(request, "social/mention_suggestions.html", {"suggestions": suggestions})


urlpatterns = [path("compose/mentions", mention_suggest, name="mention_suggest")]
