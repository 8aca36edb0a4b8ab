"""Members (the custom user), their private profile fields, and API refresh tokens."""

import uuid
import zoneinfo

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext_lazy

TIMEZONE_CHOICES = sorted(
    (tz, tz.replace("_", " ")) for tz in zoneinfo.available_timezones() if "/" in tz or tz == "UTC"
)


def avatar_path(instance, filename: str) -> str:
    return f"avatars/members/{instance.pk}/{uuid.uuid4().hex}.webp"


class UserManager(BaseUserManager):
    def create_user(self, email, password=None, **fields):
        from yalls.accounts.services import (
            member_create,
        )  # the one path that also claims the handle

        return member_create(email=email, password=password, **fields)

    def create_superuser(self, email, password=None, **fields):
        fields["role"] = User.Role.ADMIN
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser):
    """A member. Public profile fields live here; private ones in PrivateProfile (RLS-protected)."""

    class Role(models.TextChoices):
        MEMBER = "member", gettext_lazy("Member")
        PRODUCER = "producer", gettext_lazy("Producer")
        MODERATOR = "moderator", gettext_lazy("Moderator")
        ADMIN = "admin", gettext_lazy("Admin")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(max_length=254)
    handle = models.CharField(max_length=30)
    display_name = models.CharField(max_length=80)
    bio = models.TextField(max_length=500, blank=True)
    avatar = models.ImageField(upload_to=avatar_path, blank=True)
    timezone = models.CharField(max_length=64, default="UTC")
    locale = models.CharField(max_length=10, default="en")
    role = models.CharField(max_length=12, choices=Role.choices, default=Role.MEMBER)
    is_active = models.BooleanField(default=True)
    # Bumped when credentials change: access tokens carrying an older version stop working at once.
    token_version = models.PositiveIntegerField(default=0)
    date_joined = models.DateTimeField(default=dj_timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["handle", "display_name"]

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_unique_ci"),
            models.UniqueConstraint(Lower("handle"), name="accounts_user_handle_unique_ci"),
        ]

    def __str__(self) -> str:
        return f"@{self.handle}"

    @property
    def is_staff(self) -> bool:
        return self.is_active and self.role == self.Role.ADMIN

    @property
    def is_superuser(self) -> bool:
        return self.is_staff

    def has_perm(self, perm, obj=None) -> bool:
        return self.is_staff

    def has_perms(self, perm_list, obj=None) -> bool:
        return self.is_staff

    def has_module_perms(self, app_label) -> bool:
        return self.is_staff


class PrivateProfile(models.Model):
    """Fields only the member sees (row-level security: owner only)."""

    user = models.OneToOneField(
        User, primary_key=True, on_delete=models.CASCADE, related_name="private_profile"
    )
    phone = models.CharField(max_length=32, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    postal_address = models.TextField(max_length=500, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"private profile of {self.user_id}"


class RefreshToken(models.Model):
    """An API refresh token, stored only as a SHA-256 hash. Tokens rotate within a family."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="refresh_tokens")
    family_id = models.UUIDField(default=uuid.uuid4, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    user_agent = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=dj_timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "-created_at"], name="accounts_rt_user_created")]

    def __str__(self) -> str:
        return f"refresh token {self.id} ({self.user_id})"


class LinkedAccount(models.Model):
    """A member's account elsewhere, verified by a rel="me" back-link or by a moderator."""

    class Provider(models.TextChoices):
        X = "x", gettext_lazy("X / Twitter")
        INSTAGRAM = "instagram", gettext_lazy("Instagram")
        FACEBOOK = "facebook", gettext_lazy("Facebook")
        YOUTUBE = "youtube", gettext_lazy("YouTube")
        TIKTOK = "tiktok", gettext_lazy("TikTok")
        WEBSITE = "website", gettext_lazy("Website")

    class Status(models.TextChoices):
        UNVERIFIED = "unverified", gettext_lazy("Not verified yet")
        CHECKING = "checking", gettext_lazy("Checking")
        VERIFIED = "verified", gettext_lazy("Verified")
        FAILED = "failed", gettext_lazy("Back-link not found")
        PENDING_REVIEW = "pending_review", gettext_lazy("Waiting for a moderator")
        REJECTED = "rejected", gettext_lazy("Rejected by a moderator")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    member = models.ForeignKey(User, on_delete=models.CASCADE, related_name="linked_accounts")
    provider = models.CharField(max_length=12, choices=Provider.choices)
    url = models.URLField(max_length=500)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.UNVERIFIED)
    proof_url = models.URLField(max_length=500, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["member", "provider"], name="accounts_linked_one_per_provider"
            )
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="accounts_linked_status")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.provider}"


class Badge(models.Model):
    slug = models.SlugField(primary_key=True, max_length=40)
    label = models.CharField(max_length=60)
    description = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return self.label


class MemberBadge(models.Model):
    member = models.ForeignKey(User, on_delete=models.CASCADE, related_name="badges")
    badge = models.ForeignKey(Badge, on_delete=models.CASCADE, related_name="grants")
    granted_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    granted_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "badge"], name="accounts_badge_once")
        ]

    def __str__(self) -> str:
        return f"{self.badge_id} for {self.member_id}"
