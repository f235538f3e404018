"""Rules, notification channels, notifications and spikes move from monitoring to alerting.

State only: the tables keep their names (`db_table`) and their rows. The content types
follow, so audit events and the roles' permissions stay attached to the moved models,
and so does the ownership key of rules on offboarding tasks ("monitoring.rule" becomes
"alerting.rule", as alerting.ownership registers it).
"""

import django.core.validators
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from riskdesk.migration_ops import relabel_content_types

MOVED = ["rule", "notificationchannel", "notification", "spikealert"]
OWNED_KINDS = [("monitoring.rule", "alerting.rule")]
# The offboarding tasks' table, by name: its model may live in another app by now.
OFFBOARDING_TASKS = "accounts_offboardingtask"


def _owned_kinds(schema_editor, pairs) -> None:
    connection = schema_editor.connection
    if OFFBOARDING_TASKS not in connection.introspection.table_names():
        return
    table = connection.ops.quote_name(OFFBOARDING_TASKS)
    with connection.cursor() as cursor:
        for old, new in pairs:
            cursor.execute(
                f"UPDATE {table} SET owned_kind = %s WHERE owned_kind = %s",  # noqa: S608
                [new, old],
            )


def owned_kinds_forward(apps, schema_editor):
    _owned_kinds(schema_editor, OWNED_KINDS)


def owned_kinds_backward(apps, schema_editor):
    _owned_kinds(schema_editor, [(new, old) for old, new in OWNED_KINDS])


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0004_api_tokens"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("monitoring", "0008_credential_hosts_mention_received"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='NotificationChannel',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=100, verbose_name='name')),
                        ('kind', models.CharField(choices=[('email', 'E-mail'), ('slack', 'Slack-compatible incoming webhook'), ('webhook', 'Generic webhook (HMAC-signed)')], max_length=16, verbose_name='kind')),
                        ('target', models.CharField(max_length=2048, verbose_name='address or URL')),
                        ('secret_encrypted', models.TextField(blank=True, editable=False)),
                        ('min_risk', models.PositiveSmallIntegerField(default=70, help_text='Mentions routed to the team at or above this score are sent.', validators=[django.core.validators.MaxValueValidator(100)], verbose_name='from risk score')),
                        ('enabled', models.BooleanField(default=True, verbose_name='enabled')),
                        ('last_sent_at', models.DateTimeField(blank=True, null=True, verbose_name='last sent')),
                        ('last_error', models.TextField(blank=True, verbose_name='last error')),
                        ('last_error_at', models.DateTimeField(blank=True, null=True, verbose_name='last error at')),
                        ('consecutive_failures', models.PositiveIntegerField(default=0, verbose_name='consecutive failures')),
                        ('team', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notification_channels', to='accounts.team')),
                    ],
                    options={
                        'verbose_name': 'notification channel',
                        'verbose_name_plural': 'notification channels',
                        'db_table': 'monitoring_notificationchannel',
                        'ordering': ['team__name', 'name'],
                    },
                ),
                migrations.CreateModel(
                    name='Notification',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('subject', models.CharField(max_length=255)),
                        ('payload', models.JSONField(default=dict)),
                        ('mention_ids', models.JSONField(default=list)),
                        ('status', models.CharField(choices=[('pending', 'Waiting to be sent'), ('sent', 'Sent'), ('failed', 'Gave up')], default='pending', max_length=8)),
                        ('attempts', models.PositiveSmallIntegerField(default=0)),
                        ('next_attempt_at', models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                        ('last_error', models.TextField(blank=True)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('sent_at', models.DateTimeField(blank=True, null=True)),
                        ('channel', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to='alerting.notificationchannel')),
                    ],
                    options={
                        'verbose_name': 'notification',
                        'verbose_name_plural': 'notifications',
                        'db_table': 'monitoring_notification',
                        'ordering': ['-id'],
                    },
                ),
                migrations.CreateModel(
                    name='Rule',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=100, unique=True, verbose_name='name')),
                        ('position', models.PositiveIntegerField(default=0, verbose_name='order')),
                        ('enabled', models.BooleanField(default=True, verbose_name='enabled')),
                        ('match', models.CharField(choices=[('all', 'All conditions'), ('any', 'Any condition')], default='all', max_length=3, verbose_name='match')),
                        ('conditions', models.JSONField(default=list, verbose_name='conditions')),
                        ('actions', models.JSONField(default=dict, verbose_name='actions')),
                        ('stop', models.BooleanField(default=False, help_text='Later rules do not run on what this matches.', verbose_name='stop here')),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('created_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'rule',
                        'verbose_name_plural': 'rules',
                        'db_table': 'monitoring_rule',
                        'ordering': ['position', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='SpikeAlert',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('negative_only', models.BooleanField(default=True)),
                        ('window_start', models.DateTimeField()),
                        ('window_end', models.DateTimeField()),
                        ('count', models.PositiveIntegerField()),
                        ('baseline_mean', models.FloatField()),
                        ('baseline_std', models.FloatField()),
                        ('zscore', models.FloatField()),
                        ('top_mention_ids', models.JSONField(default=list)),
                        ('top_words', models.JSONField(default=list)),
                        ('status', models.CharField(choices=[('open', 'Open'), ('acknowledged', 'Acknowledged'), ('escalated', 'Escalated to an incident')], default='open', max_length=16)),
                        ('created_at', models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                        ('stream', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='spikes', to='monitoring.stream')),
                        ('tag', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='monitoring.tag')),
                    ],
                    options={
                        'verbose_name': 'spike alert',
                        'verbose_name_plural': 'spike alerts',
                        'db_table': 'monitoring_spikealert',
                        'ordering': ['-created_at'],
                    },
                ),
            ],
        ),
        relabel_content_types("monitoring", "alerting", MOVED),
        migrations.RunPython(owned_kinds_forward, owned_kinds_backward),
    ]
