"""Uploaded images: type and size checked by decoding them, then resized and re-encoded."""

from io import BytesIO

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from yalls.core.errors import DomainError

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
MAX_PIXELS = 40_000_000


def image_square_thumbnail(
    upload, *, field: str, max_bytes: int = 5 * 1024 * 1024, size: int = 400
) -> ContentFile:
    """Validate an upload as a real image and return a square WebP of `size` pixels."""
    image = image_decode(upload, field=field, max_bytes=max_bytes)
    image = ImageOps.fit(image, (size, size), Image.Resampling.LANCZOS)
    return image_webp(image)


def image_fit_within(
    upload, *, field: str, max_bytes: int = 8 * 1024 * 1024, max_side: int = 1600
) -> tuple[ContentFile, int, int]:
    """Validate an upload as a real image and return it as WebP no larger than `max_side` on
    either side, keeping its proportions (covers and galleries), with its width and height."""
    image = image_decode(upload, field=field, max_bytes=max_bytes)
    image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    return image_webp(image), image.width, image.height


def image_decode(upload, *, field: str, max_bytes: int, name: str = "") -> Image.Image:
    """The one check of every uploaded image (avatars, covers, galleries, post media): size,
    format and pixel count checked by decoding it (never by its name or declared type), then
    upright and in RGB, ready to be re-encoded without its metadata. `name` puts the file's name
    in the messages (a form with several files)."""
    if upload.size > max_bytes:
        megabytes = max_bytes // (1024 * 1024)
        message = (
            _("%(name)s: images are at most %(megabytes)s MB.")
            % {"name": name, "megabytes": megabytes}
            if name
            else _("Images must be at most %(value)s MB.") % {"value": megabytes}
        )
        raise DomainError("image.too_large", message, field=field)
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            if probe.format not in ALLOWED_FORMATS:
                message = (
                    _("%(name)s: use JPEG, PNG, WebP or GIF.") % {"name": name}
                    if name
                    else _("Use a JPEG, PNG, WebP or GIF image.")
                )
                raise DomainError("image.unsupported_type", message, field=field)
            if probe.width * probe.height > MAX_PIXELS:
                message = (
                    _("%(name)s has too many pixels.") % {"name": name}
                    if name
                    else _("That image has too many pixels.")
                )
                raise DomainError("image.too_large", message, field=field)
            probe.verify()
        upload.seek(0)
        with Image.open(upload) as image:
            return ImageOps.exif_transpose(image).convert("RGB")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        message = (
            _("%(name)s is not an image we can read.") % {"name": name}
            if name
            else _("That file is not an image we can read.")
        )
        raise DomainError("image.invalid", message, field=field) from exc


def image_webp(image: Image.Image, *, quality: int = 85) -> ContentFile:
    """Re-encode as WebP: what is stored and served is never the uploaded bytes."""
    out = BytesIO()
    image.save(out, format="WEBP", quality=quality)
    return ContentFile(out.getvalue())


def image_field_replace(
    instance, field_name: str, content: ContentFile | None, *, remove: bool = False
) -> None:
    """Put `content` in an image field (or clear it) and delete the previous file once the
    transaction commits: a rollback keeps the old picture, and no replaced file is left behind."""
    from django.db import transaction

    field_file = getattr(instance, field_name)
    old_name, storage = field_file.name, field_file.storage
    if content is not None:
        field_file.save("avatar.webp", content, save=False)
    elif remove and old_name:
        setattr(instance, field_name, "")
    else:
        return
    if old_name:
        transaction.on_commit(lambda: storage.delete(old_name))
