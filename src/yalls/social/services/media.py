"""Post media: images re-encoded through the one image pipeline (core.images), a video's kind
checked from its first bytes, and attaching media to a draft or scheduled post."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image

from yalls.accounts.models import User
from yalls.core.errors import Conflict, DomainError, NotFound
from yalls.core.images import image_decode, image_webp
from yalls.social import errors
from yalls.social.models import (
    Post,
    PostMedia,
)

log = logging.getLogger(__name__)

MAX_IMAGES = 10
MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_VIDEO_BYTES = 50 * 1024 * 1024
MAX_ALT_TEXT = 300
FULL_IMAGE_SIZE = 2048  # originals are re-encoded (this bound, EXIF dropped) — no GPS leaks
THUMBNAIL_SIZE = 640


# --- Media ----------------------------------------------------------------------------------------


@dataclass
class PreparedImage:
    full: ContentFile
    thumbnail: ContentFile
    width: int
    height: int
    alt_text: str


def _image_prepare(upload, *, alt_text: str = "") -> PreparedImage:
    """Through the one image pipeline (core.images): a bounded WebP original without metadata and
    a THUMBNAIL_SIZE WebP thumbnail."""
    name = getattr(upload, "name", "image")
    image = image_decode(upload, field="images", max_bytes=MAX_IMAGE_BYTES, name=name)
    image.thumbnail((FULL_IMAGE_SIZE, FULL_IMAGE_SIZE), Image.Resampling.LANCZOS)
    full = image_webp(image)
    width, height = image.size
    image.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE), Image.Resampling.LANCZOS)
    return PreparedImage(
        full, image_webp(image, quality=80), width, height, (alt_text or "").strip()[:MAX_ALT_TEXT]
    )


def video_kind(head: bytes) -> str | None:
    """'mp4' or 'webm' by magic bytes (an ISO BMFF `ftyp` box, or the EBML header), else None."""
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return "mp4"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "webm"
    return None


def _video_check(upload) -> str:
    if upload.size > MAX_VIDEO_BYTES:
        raise DomainError(
            errors.POST_VIDEO_TOO_LARGE,
            _("A video is at most %(megabytes)s MB.")
            % {"megabytes": MAX_VIDEO_BYTES // (1024 * 1024)},
            field="video",
        )
    upload.seek(0)
    kind = video_kind(upload.read(16))
    upload.seek(0)
    if kind is None:
        raise DomainError(errors.POST_VIDEO_INVALID, _("Use an MP4 or WebM video."), field="video")
    return kind


def media_prepare(
    post: Post | None, images: Sequence, image_alts: Sequence[str], video
) -> tuple[list, tuple | None]:
    existing_images = existing_videos = 0
    if post is not None:
        existing_images = post.media.filter(kind=PostMedia.Kind.IMAGE).count()
        existing_videos = post.media.filter(kind=PostMedia.Kind.VIDEO).count()
    images = [i for i in images if i]
    if existing_images + len(images) > MAX_IMAGES:
        raise DomainError(
            errors.POST_TOO_MANY_IMAGES,
            _("A post has at most %(max_images)s images.") % {"max_images": MAX_IMAGES},
            field="images",
        )
    if video is not None and existing_videos:
        raise DomainError(
            errors.POST_TOO_MANY_VIDEOS, _("A post has at most one video."), field="video"
        )
    alts = list(image_alts) + [""] * len(images)
    # Multipart form fields aren't checked by the API's JSON schemas: refuse NUL (which PostgreSQL
    # text can't store) here, before any image is decoded or file written.
    if any("\x00" in (alt or "") for alt in alts):
        raise DomainError(
            errors.POST_ALT_TEXT_INVALID,
            _("Alt text can't contain NUL characters."),
            field="alt_texts",
        )
    prepared = [_image_prepare(upload, alt_text=alts[i]) for i, upload in enumerate(images)]
    return prepared, ((video, _video_check(video)) if video is not None else None)


def media_write(post: Post, prepared: Sequence[PreparedImage], video) -> None:
    """Files are written last, once every check has passed."""
    position = post.media.count()
    for image in prepared:
        media = PostMedia(
            post=post, kind=PostMedia.Kind.IMAGE, width=image.width, height=image.height,
            alt_text=image.alt_text, position=position,
        )  # fmt: skip
        media.file.save("image.webp", image.full, save=False)
        media.thumbnail.save("thumb.webp", image.thumbnail, save=False)
        media.save()
        position += 1
    if video is not None:
        upload, kind = video
        media = PostMedia(post=post, kind=PostMedia.Kind.VIDEO, position=position)
        media.file.save(f"video.{kind}", upload, save=False)
        media.save()


@transaction.atomic
def post_media_add(
    *, actor: User, post: Post, images: Sequence = (), image_alts: Sequence[str] = (), video=None
) -> Post:
    """Attach media to a draft or a scheduled post (published posts keep what they went out with)."""
    post = Post.objects.select_for_update().get(pk=post.pk)
    if post.author_id != actor.pk or post.deleted_at is not None:
        raise NotFound(errors.POST_NOT_FOUND, _("No such post."))
    if post.state == Post.State.PUBLISHED:
        raise Conflict(errors.POST_NOT_DRAFT, _("Add photos and video before a post is published."))
    prepared, video_ready = media_prepare(post, images, image_alts, video)
    if not prepared and video_ready is None:
        raise DomainError(
            errors.POST_EMPTY, _("Attach at least one image or a video."), field="images"
        )
    media_write(post, prepared, video_ready)
    return post
