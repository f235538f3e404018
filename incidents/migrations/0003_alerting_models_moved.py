"""Incidents point at the rules and spikes now in alerting: state only, no SQL."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("alerting", "0001_initial"),
        ("incidents", "0002_seed_playbooks"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="incident",
                    name="rule",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="incidents",
                        to="alerting.rule",
                        verbose_name="rule",
                    ),
                ),
                migrations.AlterField(
                    model_name="incident",
                    name="spike",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="incidents",
                        to="alerting.spikealert",
                        verbose_name="spike",
                    ),
                ),
                migrations.AlterField(
                    model_name="incidentmention",
                    name="rule",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="alerting.rule",
                    ),
                ),
            ],
        ),
    ]
