"""Flags, experiment exposures and conversions."""

import django.contrib.postgres.fields
import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
    ]

    operations = [
        migrations.CreateModel(
            name='Flag',
            fields=[
                ('key', models.CharField(max_length=64, primary_key=True, serialize=False)),
                ('description', models.TextField(blank=True, max_length=500)),
                ('enabled', models.BooleanField(default=False)),
                ('kill_switch', models.BooleanField(default=False)),
                ('rollout_bp', models.PositiveIntegerField(default=10000)),
                ('bucketing', models.CharField(default='v1', max_length=8)),
                ('environments', django.contrib.postgres.fields.ArrayField(base_field=models.CharField(max_length=100), blank=True, default=list, size=None)),
                ('roles', django.contrib.postgres.fields.ArrayField(base_field=models.CharField(max_length=100), blank=True, default=list, size=None)),
                ('tiers', django.contrib.postgres.fields.ArrayField(base_field=models.CharField(max_length=100), blank=True, default=list, size=None)),
                ('cohorts', django.contrib.postgres.fields.ArrayField(base_field=models.CharField(max_length=100), blank=True, default=list, size=None)),
                ('allow_list', django.contrib.postgres.fields.ArrayField(base_field=models.CharField(max_length=100), blank=True, default=list, size=None)),
                ('deny_list', django.contrib.postgres.fields.ArrayField(base_field=models.CharField(max_length=100), blank=True, default=list, size=None)),
                ('variants', models.JSONField(blank=True, default=list)),
                ('payload', models.JSONField(blank=True, null=True)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('updated_at', models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                'ordering': ['key'],
                'constraints': [models.CheckConstraint(condition=models.Q(('rollout_bp__gte', 0), ('rollout_bp__lte', 10000)), name='flags_flag_rollout_range')],
            },
        ),
        migrations.CreateModel(
            name='ExperimentExposure',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('subject_id', models.CharField(max_length=100)),
                ('variant', models.CharField(max_length=64)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('flag', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='exposures', to='flags.flag')),
            ],
            options={
                'indexes': [models.Index(fields=['flag', 'variant'], name='flags_exposure_variant')],
                'constraints': [models.UniqueConstraint(fields=('flag', 'subject_id'), name='flags_exposure_once')],
            },
        ),
        migrations.CreateModel(
            name='ExperimentConversion',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('subject_id', models.CharField(max_length=100)),
                ('event', models.CharField(max_length=64)),
                ('variant', models.CharField(max_length=64)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('flag', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='conversions', to='flags.flag')),
            ],
            options={
                'indexes': [models.Index(fields=['flag', 'event', 'variant'], name='flags_conversion_event')],
                'constraints': [models.UniqueConstraint(fields=('flag', 'subject_id', 'event'), name='flags_conversion_once')],
            },
        ),
    ]
