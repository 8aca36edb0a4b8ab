"""Posts and everything members do around them."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy

from yalls.core.storage import private_storage
from yalls.entities.models import Edge, Entity


class Post(models.Model):
    """A post by a member, optionally *as* an entity they own or manage. A repost is a post whose
    `repost_of` is the original (always the root) and `reposted_from` the post it was reposted
    from (the previous link of the attribution chain); its body is the optional caption."""

    class Visibility(models.TextChoices):
        PUBLIC = "public", gettext_lazy("Public")
        FOLLOWERS = "followers", gettext_lazy("Followers")
        MEMBERS = "members", gettext_lazy("Entity members")

    class State(models.TextChoices):
        DRAFT = "draft", gettext_lazy("Draft")
        SCHEDULED = "scheduled", gettext_lazy("Scheduled")
        PUBLISHED = "published", gettext_lazy("Published")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="posts"
    )
    as_entity = models.ForeignKey(
        Entity, on_delete=models.CASCADE, null=True, blank=True, related_name="authored_posts"
    )
    body = models.TextField(max_length=5000, blank=True)
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.PUBLISHED)
    publish_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    repost_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reposts"
    )
    reposted_from = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # Reposting twice returns the existing repost.
            models.UniqueConstraint(
                fields=["author", "repost_of"],
                condition=models.Q(repost_of__isnull=False, deleted_at__isnull=True),
                name="social_post_one_repost_per_author",
            ),
        ]
        indexes = [
            models.Index(fields=["author", "-created_at", "-id"], name="social_post_author"),
            models.Index(fields=["as_entity", "-created_at"], name="social_post_entity"),
            models.Index(fields=["repost_of"], name="social_post_repost_of"),
            models.Index(
                fields=["publish_at"],
                condition=models.Q(state="scheduled"),
                name="social_post_scheduled",
            ),
        ]

    def __str__(self) -> str:
        return f"post {self.id}"

    @property
    def is_repost(self) -> bool:
        return self.repost_of_id is not None


class PostRevision(models.Model):
    """The body before each edit (edits keep a history)."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField(max_length=5000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"revision of {self.post_id}"


def post_media_path(instance, filename: str) -> str:
    return f"posts/{instance.post_id}/{uuid.uuid4().hex}-{filename[-40:]}"


class PostMedia(models.Model):
    class Kind(models.TextChoices):
        IMAGE = "image", gettext_lazy("Image")
        VIDEO = "video", gettext_lazy("Video")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="media")
    kind = models.CharField(max_length=5, choices=Kind.choices)
    # Private storage: a draft's media must not be fetchable by anyone but its author, and a
    # post's audience can change; each link is signed, expires, and the fetch is checked.
    file = models.FileField(upload_to=post_media_path, storage=private_storage)
    thumbnail = models.ImageField(upload_to=post_media_path, storage=private_storage, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    alt_text = models.CharField(max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return f"{self.kind} of {self.post_id}"


class PostMention(models.Model):
    """An @handle in a post body, resolved when written (member or entity)."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="mentions")
    handle = models.CharField(max_length=30)
    kind = models.CharField(max_length=10)  # core.Handle.Kind: member or entity
    ref_id = models.UUIDField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "ref_id"], name="social_mention_once")
        ]
        indexes = [models.Index(fields=["ref_id"], name="social_mention_ref")]

    def __str__(self) -> str:
        return f"@{self.handle} in {self.post_id}"


class PostTag(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="tags")
    tag = models.CharField(max_length=60)  # lower-case, without '#'

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "tag"], name="social_tag_once")]
        indexes = [models.Index(fields=["tag"], name="social_tag")]

    def __str__(self) -> str:
        return f"#{self.tag}"


class PostTarget(models.Model):
    """A post shown on an entity's page. Targets on entities the author doesn't control (and no
    cross-post edge allows) wait in that entity's approval queue."""

    class Status(models.TextChoices):
        PENDING = "pending", gettext_lazy("Waiting for approval")
        APPROVED = "approved", gettext_lazy("Approved")
        REJECTED = "rejected", gettext_lazy("Rejected")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="targets")
    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="post_targets")
    status = models.CharField(max_length=10, choices=Status.choices)
    # Why this target exists: "author_entity", "managed", "edge_crosspost", "requested",
    # or "auto_propagated:<edge type>".
    reason = models.CharField(max_length=60)
    via_edge = models.ForeignKey(
        Edge, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    source_target = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    depth = models.PositiveSmallIntegerField(default=0)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "entity"], name="social_target_once")
        ]
        indexes = [
            models.Index(fields=["entity", "status", "-created_at"], name="social_target_entity"),
        ]

    def __str__(self) -> str:
        return f"{self.post_id} → {self.entity_id} ({self.status})"


class Favorite(models.Model):
    class Kind(models.TextChoices):
        POST = "post", gettext_lazy("Post")
        ENTITY = "entity", gettext_lazy("Entity")
        EVENT = "event", gettext_lazy("Event")
        HORSE = "horse", gettext_lazy("Horse")
        LISTING = "listing", gettext_lazy("Listing")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="favorites"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    ref_id = models.UUIDField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["member", "kind", "ref_id"], name="social_favorite_once"
            )
        ]
        indexes = [
            models.Index(
                fields=["member", "kind", "-created_at", "-id"], name="social_favorite_member"
            ),
            models.Index(fields=["kind", "ref_id"], name="social_favorite_ref"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} ♥ {self.kind}:{self.ref_id}"


class Pin(models.Model):
    """One slot (1–8) of a member's profile pin board."""

    class Kind(models.TextChoices):
        POST = "post", gettext_lazy("Post")
        EVENT = "event", gettext_lazy("Event")
        HORSE = "horse", gettext_lazy("Horse")
        EARNING = "earning", gettext_lazy("Earning")
        LINK = "link", gettext_lazy("Link")
        ACHIEVEMENT = "achievement", gettext_lazy("Achievement")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pins"
    )
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=12, choices=Kind.choices)
    ref_id = models.UUIDField(null=True, blank=True)
    url = models.URLField(max_length=500, blank=True)
    title = models.CharField(max_length=80)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "position"],
                name="social_pin_slot",
                deferrable=models.Deferrable.DEFERRED,
            ),
            models.CheckConstraint(
                condition=models.Q(position__gte=1, position__lte=8),
                name="social_pin_position_range",
            ),
        ]

    def __str__(self) -> str:
        return f"pin {self.position} of {self.member_id}"


class Follow(models.Model):
    class TargetKind(models.TextChoices):
        MEMBER = "member", gettext_lazy("Member")
        ENTITY = "entity", gettext_lazy("Entity")

    follower = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="following"
    )
    target_kind = models.CharField(max_length=10, choices=TargetKind.choices)
    target_id = models.UUIDField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["follower", "target_kind", "target_id"], name="social_follow_once"
            )
        ]
        indexes = [
            models.Index(
                fields=["target_kind", "target_id", "-created_at"], name="social_follow_target"
            )
        ]

    def __str__(self) -> str:
        return f"{self.follower_id} follows {self.target_kind}:{self.target_id}"


class Block(models.Model):
    """Blocks work both ways: neither side sees or interacts with the other."""

    blocker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blocks_made"
    )
    blocked = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blocks_received"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="social_block_once"),
            models.CheckConstraint(
                condition=~models.Q(blocker=models.F("blocked")), name="social_block_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.blocker_id} blocks {self.blocked_id}"


class Mute(models.Model):
    """Stop seeing a member or entity without them knowing."""

    muter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mutes"
    )
    target_kind = models.CharField(max_length=10, choices=Follow.TargetKind.choices)
    target_id = models.UUIDField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["muter", "target_kind", "target_id"], name="social_mute_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.muter_id} mutes {self.target_kind}:{self.target_id}"


class Hide(models.Model):
    class Kind(models.TextChoices):
        POST = "post", gettext_lazy("Post")
        LISTING = "listing", gettext_lazy("Listing")
        EVENT = "event", gettext_lazy("Event")

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="hides"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    ref_id = models.UUIDField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "kind", "ref_id"], name="social_hide_once")
        ]

    def __str__(self) -> str:
        return f"{self.member_id} hides {self.kind}:{self.ref_id}"


class PostLinkPreview(models.Model):
    """The card shown under a post for the first web address in it: title, description and site,
    read by a job through the safe fetcher (accounts.safe_fetch). No remote image is stored or
    hot-linked: the card is text, so a preview can't track readers."""

    class Status(models.TextChoices):
        READY = "ready", gettext_lazy("Ready")
        FAILED = "failed", gettext_lazy("Failed")

    post = models.OneToOneField(
        Post, primary_key=True, on_delete=models.CASCADE, related_name="link_preview"
    )
    url = models.URLField(max_length=2000)
    status = models.CharField(max_length=10, choices=Status.choices)
    title = models.CharField(max_length=200, blank=True)
    description = models.CharField(max_length=400, blank=True)
    site_name = models.CharField(max_length=100, blank=True)
    fetched_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"preview of {self.url}"

    @property
    def host(self) -> str:
        from urllib.parse import urlsplit

        return (urlsplit(self.url).hostname or "").removeprefix("www.")
