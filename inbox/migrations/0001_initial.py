"""The inbox's models, moved out of monitoring with their tables and data.

State only: the tables keep their monitoring_* names (Meta.db_table), so nothing is
created or copied. The content types follow the models, which keeps the role groups'
permissions (now inbox.change_replytemplate, ...) and any audit events attached.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from riskdesk.migration_ops import relabel_content_types

MOVED = ["mentionevent", "replytemplate", "mentionreply", "savedview", "slatarget", "teamhours"]


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('accounts', '0004_api_tokens'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('monitoring', '0008_credential_hosts_mention_received'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='SlaTarget',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('priority', models.PositiveSmallIntegerField(choices=[(1, 'Low'), (2, 'Normal'), (3, 'High'), (4, 'Urgent')], unique=True, verbose_name='priority')),
                        ('first_response', models.DurationField(verbose_name='first response within')),
                        ('resolution', models.DurationField(verbose_name='resolved within')),
                        ('business_hours', models.BooleanField(default=False, help_text="Use the team's business hours; round the clock for teams without them.", verbose_name='count business hours only')),
                    ],
                    options={
                        'verbose_name': 'SLA target',
                        'verbose_name_plural': 'SLA targets',
                        'db_table': 'monitoring_slatarget',
                        'ordering': ['-priority'],
                    },
                ),
                migrations.CreateModel(
                    name='ReplyTemplate',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=100, verbose_name='name')),
                        ('situation', models.CharField(blank=True, max_length=100, verbose_name='situation')),
                        ('language', models.CharField(max_length=16, verbose_name='language')),
                        ('body', models.TextField(verbose_name='text')),
                        ('moves_to_private', models.BooleanField(default=False, verbose_name='moves the conversation to private messages')),
                        ('is_active', models.BooleanField(default=True, verbose_name='active')),
                    ],
                    options={
                        'verbose_name': 'reply template',
                        'verbose_name_plural': 'reply templates',
                        'db_table': 'monitoring_replytemplate',
                        'ordering': ['language', 'name'],
                        'constraints': [models.UniqueConstraint(fields=('name', 'language'), name='reply_template_unique')],
                    },
                ),
                migrations.CreateModel(
                    name='MentionReply',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('body', models.TextField(verbose_name='text')),
                        ('private', models.BooleanField(default=False, verbose_name='moved to private messages')),
                        ('drafted_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='drafted')),
                        ('sent_at', models.DateTimeField(blank=True, null=True, verbose_name='sent')),
                        ('publisher', models.CharField(default='recorded', max_length=32, verbose_name='sent through')),
                        ('drafted_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('mention', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='replies', to='monitoring.mention')),
                        ('sent_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('template', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='inbox.replytemplate')),
                    ],
                    options={
                        'verbose_name': 'reply',
                        'verbose_name_plural': 'replies',
                        'db_table': 'monitoring_mentionreply',
                        'ordering': ['-drafted_at', '-id'],
                    },
                ),
                migrations.CreateModel(
                    name='TeamHours',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('timezone', models.CharField(default='Europe/Paris', max_length=64, verbose_name='time zone')),
                        ('weekdays', models.JSONField(default=list, verbose_name='working days')),
                        ('opens', models.TimeField(verbose_name='opens')),
                        ('closes', models.TimeField(verbose_name='closes')),
                        ('team', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='hours', to='accounts.team')),
                    ],
                    options={
                        'verbose_name': 'team business hours',
                        'verbose_name_plural': 'team business hours',
                        'db_table': 'monitoring_teamhours',
                    },
                ),
                migrations.CreateModel(
                    name='MentionEvent',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('assigned', 'Assigned'), ('routed', 'Moved to a team'), ('tagged', 'Tags changed'), ('status', 'Status changed'), ('priority', 'Priority changed'), ('note', 'Note'), ('reply', 'Reply'), ('escalated', 'Escalated'), ('watchlist', 'Author watched')], max_length=16, verbose_name='kind')),
                        ('text', models.TextField(blank=True, verbose_name='text')),
                        ('data', models.JSONField(blank=True, default=dict)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='when')),
                        ('actor', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('mention', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='events', to='monitoring.mention')),
                    ],
                    options={
                        'verbose_name': 'mention event',
                        'verbose_name_plural': 'mention events',
                        'db_table': 'monitoring_mentionevent',
                        'ordering': ['-created_at', '-id'],
                        'indexes': [models.Index(fields=['mention', '-created_at'], name='mention_event_recent')],
                    },
                ),
                migrations.CreateModel(
                    name='SavedView',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=100, verbose_name='name')),
                        ('query', models.CharField(blank=True, max_length=2000, verbose_name='filters')),
                        ('position', models.PositiveSmallIntegerField(default=0)),
                        ('owner', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='saved_views', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'saved view',
                        'verbose_name_plural': 'saved views',
                        'db_table': 'monitoring_savedview',
                        'ordering': ['position', 'name'],
                        'constraints': [models.UniqueConstraint(fields=('owner', 'name'), name='saved_view_unique')],
                    },
                ),
            ],
            database_operations=[],
        ),
        relabel_content_types("monitoring", "inbox", MOVED),
    ]
