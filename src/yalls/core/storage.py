"""Private files (drafts' media now; health attachments, invoices and evidence next): one storage,
`STORAGES["private"]`, whose URLs are signed and expire, and who may fetch is asked again.

Public media (avatars) stay in the default storage under MEDIA_URL. A private file is never under
a public URL: on local disk it lives outside MEDIA_ROOT and `url()` is a link to
`private_file_serve` carrying an expiry and an HMAC of (name, expiry). The view checks both, then
asks the access rule registered for the file's top folder (apps register theirs at start-up: core
cannot import them) whether the requesting member may have it. On S3-compatible storage the
backend (django-storages' `S3Storage` with `querystring_auth`) signs its own expiring URLs.
"""

import math
import mimetypes
import time
from collections.abc import Callable
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.core.signing import Signer
from django.http import FileResponse, Http404, HttpResponse
from django.utils.crypto import constant_time_compare
from django.utils.deconstruct import deconstructible
from django.utils.functional import cached_property
from django.views.decorators.http import require_safe

PRIVATE_FILES_PREFIX = "/files/"
_SALT = "yalls.core.storage.private"

# top folder -> rule(viewer, name) -> may this viewer (a member or AnonymousUser) have the file?
AccessRule = Callable[[object, str], bool]
_access_rules: dict[str, AccessRule] = {}


def private_storage() -> Storage:
    """The private storage (a callable for FileField(storage=...): resolved by name, so the
    backend is a setting and migrations don't record it)."""
    return storages["private"]


def register_private_access(folder: str, rule: AccessRule) -> None:
    """Files under `folder/` are served to whom `rule(viewer, name)` allows; a file in a folder
    nobody registered is served to nobody."""
    _access_rules[folder.strip("/")] = rule


def private_access_allowed(viewer, name: str) -> bool:
    rule = _access_rules.get(name.split("/", 1)[0])
    return bool(rule and rule(viewer, name))


def _signature(name: str, expires: int) -> str:
    return Signer(salt=_SALT).signature(f"{name}\n{expires}")


def private_url(name: str, *, now: float | None = None) -> str:
    """A link to `name` valid for at least PRIVATE_FILE_URL_TTL_SECONDS. The expiry is rounded up
    to a 5-minute step so a page rendered twice in a row links the same URL (browser caches)."""
    now = time.time() if now is None else now
    step = 300
    expires = math.ceil((now + settings.PRIVATE_FILE_URL_TTL_SECONDS) / step) * step
    return f"{PRIVATE_FILES_PREFIX}{quote(name)}?exp={expires}&sig={_signature(name, expires)}"


def private_url_check(name: str, expires: str, signature: str, *, now: float) -> str:
    """'ok', 'expired' (a genuine link past its time) or 'invalid'."""
    if not expires.isdigit() or not constant_time_compare(
        signature, _signature(name, int(expires))
    ):
        return "invalid"
    return "ok" if int(expires) > now else "expired"


@deconstructible(path="yalls.core.storage.PrivateFileSystemStorage")
class PrivateFileSystemStorage(FileSystemStorage):
    """Local private files: kept outside MEDIA_ROOT (the public /media/ route can't reach them),
    linked only through signed, expiring URLs."""

    def __init__(self, location=None, **kwargs):
        kwargs.pop("base_url", None)
        super().__init__(location=location, **kwargs)

    @cached_property
    def base_location(self):
        return self._value_or_setting(self._location, settings.PRIVATE_MEDIA_ROOT)

    def _clear_cached_properties(self, setting, **kwargs):
        super()._clear_cached_properties(setting, **kwargs)
        if setting == "PRIVATE_MEDIA_ROOT":  # tests point it at a temporary folder
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)

    def url(self, name):
        return private_url(name)


def _not_found():
    from django.utils.translation import gettext as _

    return Http404(_("No such file."))


@require_safe
def private_file_serve(request, name: str):
    """Serve a private file after the signature, the expiry and the access rule all agree. A bad
    signature and a refused member both get a 404 (no hint the file exists); an expired genuine
    link gets a 410 so a client knows to fetch the page again for a fresh one."""
    from django.utils.translation import gettext as _

    state = private_url_check(
        name, request.GET.get("exp", ""), request.GET.get("sig", ""), now=time.time()
    )
    if state == "invalid":
        raise _not_found()
    if state == "expired":
        return HttpResponse(_("This link has expired."), status=410, content_type="text/plain")
    if not private_access_allowed(request.user, name):
        raise _not_found()
    storage = private_storage()
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if settings.PRIVATE_FILES_ACCEL_REDIRECT:
        # Behind nginx: it streams the file from an `internal` location once we have said yes.
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = (
            settings.PRIVATE_FILES_ACCEL_REDIRECT.rstrip("/") + "/" + quote(name)
        )
    else:
        try:
            handle = storage.open(name, "rb")
        except (FileNotFoundError, SuspiciousFileOperation):
            raise _not_found() from None
        response = FileResponse(handle, content_type=content_type)
    # Only this member's browser may keep it, and not beyond the link's own expiry.
    remaining = max(0, int(request.GET["exp"]) - int(time.time()))
    response["Cache-Control"] = f"private, max-age={min(remaining, 3600)}"
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    return response
