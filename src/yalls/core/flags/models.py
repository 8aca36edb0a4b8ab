"""Feature flags, and the exposures and conversions of the experiments among them.

These tables hold no member's private data beyond "this subject saw variant X", so they carry no
row-level security: flags are global configuration, and the readout must count every subject.
"""

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone


def _list_field():
    return ArrayField(models.CharField(max_length=100), default=list, blank=True)


class Flag(models.Model):
    """One flag. With `variants` it is an experiment. Evaluated by `yalls.core.flags.evaluation`."""

    key = models.CharField(max_length=64, primary_key=True)
    description = models.TextField(max_length=500, blank=True)
    enabled = models.BooleanField(default=False)
    kill_switch = models.BooleanField(default=False)
    # 0..10000 basis points = 0..100 % in 0.01 % steps; a subject is in when bucket < rollout_bp.
    rollout_bp = models.PositiveIntegerField(default=10_000)
    bucketing = models.CharField(max_length=8, default="v1")
    environments = _list_field()  # empty: every environment
    roles = _list_field()
    tiers = _list_field()
    cohorts = _list_field()
    allow_list = _list_field()  # member ids, "@handle"s or "anon:<id>"s
    deny_list = _list_field()
    # [{"key": "control", "weight": 50, "payload": {...}}, ...]; the first one is the control
    # unless one is named "control".
    variants = models.JSONField(default=list, blank=True)
    payload = models.JSONField(null=True, blank=True)  # served when enabled and without variants
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["key"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rollout_bp__gte=0, rollout_bp__lte=10_000),
                name="flags_flag_rollout_range",
            ),
        ]

    def __str__(self) -> str:
        return self.key


class ExperimentExposure(models.Model):
    """A subject saw an experiment: one row per (experiment, subject), whatever the retries."""

    flag = models.ForeignKey(Flag, on_delete=models.CASCADE, related_name="exposures")
    subject_id = models.CharField(max_length=100)  # member id, or "anon:<id>"
    variant = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["flag", "subject_id"], name="flags_exposure_once"),
        ]
        indexes = [models.Index(fields=["flag", "variant"], name="flags_exposure_variant")]

    def __str__(self) -> str:
        return f"{self.flag_id}: {self.subject_id} saw {self.variant}"


class ExperimentConversion(models.Model):
    """An exposed subject did the named thing (counted once per subject and event)."""

    flag = models.ForeignKey(Flag, on_delete=models.CASCADE, related_name="conversions")
    subject_id = models.CharField(max_length=100)
    event = models.CharField(max_length=64)
    variant = models.CharField(max_length=64)  # copied from the exposure: analysis by assignment
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["flag", "subject_id", "event"], name="flags_conversion_once"
            ),
        ]
        indexes = [
            models.Index(fields=["flag", "event", "variant"], name="flags_conversion_event"),
        ]

    def __str__(self) -> str:
        return f"{self.flag_id}: {self.subject_id} {self.event} ({self.variant})"
