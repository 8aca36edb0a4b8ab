"""Flags in Django admin: read-only, so every change goes through /ops/flags (validated, audited,
cache invalidated)."""

from django.contrib import admin

from yalls.core.admin import ReadOnlyAdmin
from yalls.core.flags.models import ExperimentConversion, ExperimentExposure, Flag


@admin.register(Flag)
class FlagAdmin(ReadOnlyAdmin):
    list_display = ("key", "enabled", "kill_switch", "rollout_bp", "updated_at")
    search_fields = ("key", "description")


@admin.register(ExperimentExposure)
class ExposureAdmin(ReadOnlyAdmin):
    list_display = ("flag", "variant", "subject_id", "created_at")
    list_filter = ("flag",)


@admin.register(ExperimentConversion)
class ConversionAdmin(ReadOnlyAdmin):
    list_display = ("flag", "event", "variant", "subject_id", "created_at")
    list_filter = ("flag", "event")
