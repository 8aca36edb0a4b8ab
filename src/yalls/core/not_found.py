"""In development (DEBUG) a missing page still looks like yalls: our 404 template, not Django's
technical page, so what a member would see is what the developer sees. Off when DEBUG is off,
where Django already renders 404.html."""

from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.urls import Resolver404, resolve


def _wants_page(request) -> bool:
    return not request.path_info.startswith(("/api/", "/static/", "/media/"))


def _page(request):
    return render(request, "404.html", status=404)


class DevelopmentNotFoundMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.DEBUG and response.status_code == 404 and _wants_page(request):
            # No route at all: Django answered with its technical page before any view ran.
            try:
                resolve(request.path_info)
            except Resolver404:
                return _page(request)
        return response

    def process_exception(self, request, exception):
        if settings.DEBUG and isinstance(exception, Http404) and _wants_page(request):
            return _page(request)
        return None
