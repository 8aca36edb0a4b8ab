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
    image = _checked_image(upload, field=field, max_bytes=max_bytes)
    image = ImageOps.fit(image, (size, size), Image.Resampling.LANCZOS)
    return _webp(image)


def image_fit_within(
    upload, *, field: str, max_bytes: int = 8 * 1024 * 1024, max_side: int = 1600
) -> tuple[ContentFile, int, int]:
    """Validate an upload as a real image and return it as WebP no larger than `max_side` on
    either side, keeping its proportions (covers and galleries), with its width and height."""
    image = _checked_image(upload, field=field, max_bytes=max_bytes)
    image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    return _webp(image), image.width, image.height


def _checked_image(upload, *, field: str, max_bytes: int) -> Image.Image:
    """The upload decoded (size, format and pixel count checked), upright, in RGB."""
    if upload.size > max_bytes:
        raise DomainError(
            "image.too_large",
            _("Images must be at most %(value)s MB.") % {"value": max_bytes // (1024 * 1024)},
            field=field,
        )
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            if probe.format not in ALLOWED_FORMATS:
                raise DomainError(
                    "image.unsupported_type", _("Use a JPEG, PNG, WebP or GIF image."), field=field
                )
            if probe.width * probe.height > MAX_PIXELS:
                raise DomainError(
                    "image.too_large", _("That image has too many pixels."), field=field
                )
            probe.verify()
        upload.seek(0)
        with Image.open(upload) as image:
            return ImageOps.exif_transpose(image).convert("RGB")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise DomainError(
            "image.invalid", _("That file is not an image we can read."), field=field
        ) from exc


def _webp(image: Image.Image) -> ContentFile:
    out = BytesIO()
    image.save(out, format="WEBP", quality=85)
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
