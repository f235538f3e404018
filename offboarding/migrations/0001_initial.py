# The brand accounts inventory, access grants and offboarding move from accounts to offboarding.
# Their tables keep their names (db_table): only Django's state changes, and the content
# types follow, so audit events and the roles' permissions stay attached.

import django.db.models.deletion
import django.db.models.functions.text
import django.utils.timezone
import riskdesk.crypto
from django.conf import settings
from django.db import migrations, models

from riskdesk.migration_ops import relabel_content_types


MODELS = [
    "brandaccount",
    "revocationconnection",
    "accessgrant",
    "offboardingcase",
    "offboardingtask",
    "revocationattempt",
    "accessfinding",
]


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("accounts", "0004_api_tokens"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='AccessFinding',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('key', models.CharField(max_length=200, unique=True)),
                        ('code', models.CharField(max_length=32)),
                        ('summary', models.CharField(max_length=500)),
                        ('first_seen', models.DateTimeField(default=django.utils.timezone.now)),
                        ('last_seen', models.DateTimeField(default=django.utils.timezone.now)),
                        ('resolved_at', models.DateTimeField(blank=True, null=True)),
                    ],
                    options={
                        'db_table': 'accounts_accessfinding',
                        'ordering': ['-first_seen'],
                    },
                ),
                migrations.CreateModel(
                    name='BrandAccount',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('platform', models.CharField(choices=[('x', 'X'), ('mastodon', 'Mastodon'), ('bluesky', 'Bluesky'), ('reddit', 'Reddit'), ('youtube', 'YouTube'), ('news', 'News (RSS/Atom)'), ('facebook', 'Facebook'), ('instagram', 'Instagram'), ('other', 'Other (pushed by a listening tool)')], max_length=16, verbose_name='network')),
                        ('handle', models.CharField(help_text='As the network shows it, without the @.', max_length=255, verbose_name='handle')),
                        ('display_name', models.CharField(blank=True, max_length=255, verbose_name='display name')),
                        ('platform_id', models.CharField(blank=True, help_text="The network's stable id for the account; handles can change.", max_length=255, verbose_name='id on the network')),
                        ('url', models.URLField(blank=True, verbose_name='link')),
                        ('is_active', models.BooleanField(default=True, verbose_name='active')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('access_method', models.CharField(blank=True, choices=[('native_roles', 'Native roles on the network'), ('tool_seat', 'Seats in a management tool'), ('shared_credential', 'Shared credential in a password manager')], max_length=24, verbose_name='how it is accessed')),
                        ('credential_location', models.CharField(blank=True, help_text='The management tool, or the password manager vault and entry.', max_length=255, verbose_name='where the credential lives')),
                        ('mfa_enabled', models.BooleanField(default=False, verbose_name='multi-factor on')),
                        ('credential_rotated_at', models.DateTimeField(blank=True, null=True, verbose_name='credential last rotated')),
                        ('recovery_email', models.EmailField(blank=True, max_length=254, verbose_name='recovery e-mail')),
                        ('recovery_phone_owner', models.ForeignKey(blank=True, help_text="Whose phone receives the account's recovery codes.", null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='recovery phone owner')),
                        ('team', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='brand_accounts', to='accounts.team', verbose_name='owning team')),
                    ],
                    options={
                        'verbose_name': 'brand account',
                        'verbose_name_plural': 'brand accounts',
                        'db_table': 'accounts_brandaccount',
                        'ordering': ['platform', 'handle'],
                    },
                ),
                migrations.CreateModel(
                    name='AccessGrant',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('level', models.CharField(choices=[('admin', 'Admin'), ('editor', 'Editor'), ('moderator', 'Moderator'), ('advertiser', 'Advertiser'), ('analyst', 'Analyst'), ('other', 'Other')], max_length=16, verbose_name='level')),
                        ('via', models.CharField(choices=[('native_role', 'Native role'), ('tool_seat', 'Management tool seat'), ('shared_credential', 'Shared credential'), ('api_token', 'API token')], max_length=24, verbose_name='through')),
                        ('tool', models.CharField(blank=True, help_text='The management tool or password manager, when access goes through one.', max_length=100, verbose_name='tool')),
                        ('external_login', models.CharField(blank=True, help_text='The e-mail or user id the person uses there, when it is not their own.', max_length=255, verbose_name='login on the network')),
                        ('note', models.TextField(blank=True, verbose_name='note')),
                        ('granted_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='granted')),
                        ('revoked_at', models.DateTimeField(blank=True, null=True, verbose_name='revoked')),
                        ('revocation_method', models.CharField(blank=True, choices=[('automatic', "Automatically, through the network's API"), ('manual', 'By hand, with evidence')], max_length=16, verbose_name='revoked how')),
                        ('revocation_evidence', models.TextField(blank=True, verbose_name='revocation evidence')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('granted_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='granted by')),
                        ('person', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='access_grants', to=settings.AUTH_USER_MODEL, verbose_name='person')),
                        ('revoked_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='revoked by')),
                        ('account', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='access_grants', to='offboarding.brandaccount', verbose_name='brand account')),
                    ],
                    options={
                        'verbose_name': 'access grant',
                        'verbose_name_plural': 'access grants',
                        'db_table': 'accounts_accessgrant',
                        'ordering': ['account__platform', 'account__handle', 'person__display_name', 'pk'],
                    },
                ),
                migrations.CreateModel(
                    name='OffboardingCase',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('departure_at', models.DateTimeField(verbose_name='departure')),
                        ('deadline', models.DateTimeField(verbose_name='deadline')),
                        ('status', models.CharField(choices=[('open', 'Open'), ('completed', 'Completed')], default='open', max_length=16, verbose_name='status')),
                        ('source', models.CharField(choices=[('manual', 'Opened by HR'), ('scim', 'Opened by the identity provider')], default='manual', max_length=16, verbose_name='opened by')),
                        ('note', models.TextField(blank=True, verbose_name='note')),
                        ('opened_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='opened')),
                        ('completed_at', models.DateTimeField(blank=True, null=True, verbose_name='completed')),
                        ('reminded_at', models.DateTimeField(blank=True, null=True, verbose_name='reminder sent')),
                        ('escalated_at', models.DateTimeField(blank=True, null=True, verbose_name='escalated')),
                        ('identity_provider', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='cases', to='accounts.scimprovider', verbose_name='identity provider')),
                        ('opened_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='opened by')),
                        ('person', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='offboarding_cases', to=settings.AUTH_USER_MODEL, verbose_name='person')),
                    ],
                    options={
                        'verbose_name': 'offboarding case',
                        'verbose_name_plural': 'offboarding cases',
                        'db_table': 'accounts_offboardingcase',
                        'ordering': ['deadline', 'pk'],
                    },
                ),
                migrations.CreateModel(
                    name='OffboardingTask',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('revoke', 'Revoke access'), ('rotate', 'Rotate shared credential'), ('recovery', 'Change recovery contact'), ('transfer', 'Transfer ownership'), ('other', 'Other')], max_length=16, verbose_name='kind')),
                        ('title', models.CharField(max_length=255, verbose_name='task')),
                        ('status', models.CharField(choices=[('open', 'To do'), ('retrying', 'Retrying'), ('failed', 'Failed: needs attention'), ('done', 'Done')], default='open', max_length=16, verbose_name='status')),
                        ('automatic', models.BooleanField(default=False, verbose_name='automatic')),
                        ('owned_kind', models.CharField(blank=True, max_length=64)),
                        ('owned_id', models.CharField(blank=True, max_length=64)),
                        ('attempts', models.PositiveIntegerField(default=0, verbose_name='attempts')),
                        ('next_attempt_at', models.DateTimeField(blank=True, null=True, verbose_name='next attempt')),
                        ('claimed_until', models.DateTimeField(blank=True, null=True)),
                        ('last_error', models.TextField(blank=True, verbose_name='last error')),
                        ('evidence', models.TextField(blank=True, verbose_name='evidence')),
                        ('evidence_file', models.FileField(blank=True, upload_to='offboarding/', verbose_name='screenshot')),
                        ('done_at', models.DateTimeField(blank=True, null=True, verbose_name='done')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('account', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='offboarding.brandaccount')),
                        ('assignee', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='offboarding_tasks', to=settings.AUTH_USER_MODEL, verbose_name='assignee')),
                        ('case', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='tasks', to='offboarding.offboardingcase')),
                        ('done_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='done by')),
                        ('grant', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='tasks', to='offboarding.accessgrant')),
                        ('new_owner', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='new owner')),
                    ],
                    options={
                        'verbose_name': 'offboarding task',
                        'verbose_name_plural': 'offboarding tasks',
                        'db_table': 'accounts_offboardingtask',
                        'ordering': ['case', 'kind', 'pk'],
                    },
                ),
                migrations.CreateModel(
                    name='RevocationAttempt',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('succeeded', models.BooleanField(default=False)),
                        ('outcome', models.CharField(max_length=16)),
                        ('message', models.TextField(blank=True)),
                        ('status_code', models.PositiveIntegerField(blank=True, null=True)),
                        ('response', models.JSONField(blank=True, default=dict)),
                        ('task', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='calls', to='offboarding.offboardingtask')),
                    ],
                    options={
                        'db_table': 'accounts_revocationattempt',
                        'ordering': ['-at', '-pk'],
                    },
                ),
                migrations.CreateModel(
                    name='RevocationConnection',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=100, unique=True, verbose_name='name')),
                        ('kind', models.CharField(choices=[('meta_business', 'Meta Business Manager')], max_length=32, verbose_name='kind')),
                        ('business_id', models.CharField(help_text="The Business Manager's id, as its settings page shows it.", max_length=64, verbose_name='business id')),
                        ('base_url', models.URLField(blank=True, help_text='Leave empty for graph.facebook.com.', verbose_name='API address')),
                        ('secret_encrypted', models.TextField(blank=True, editable=False)),
                        ('secret_fields', models.JSONField(default=list, editable=False)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('rotated_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='token last changed')),
                        ('created_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'revocation connection',
                        'verbose_name_plural': 'revocation connections',
                        'db_table': 'accounts_revocationconnection',
                        'ordering': ['name'],
                    },
                    bases=(riskdesk.crypto.EncryptedSecret, models.Model),
                ),
                migrations.AddField(
                    model_name='brandaccount',
                    name='revocation_connection',
                    field=models.ForeignKey(blank=True, help_text="Lets riskdesk remove people from this account through the network's API.", null=True, on_delete=django.db.models.deletion.PROTECT, related_name='accounts', to='offboarding.revocationconnection', verbose_name='revocation connection'),
                ),
                migrations.AddIndex(
                    model_name='accessgrant',
                    index=models.Index(fields=['person', 'revoked_at'], name='accounts_ac_person__c67178_idx'),
                ),
                migrations.AddConstraint(
                    model_name='accessgrant',
                    constraint=models.UniqueConstraint(condition=models.Q(('revoked_at__isnull', True)), fields=('person', 'account', 'via'), name='accounts_accessgrant_one_active'),
                ),
                migrations.AddConstraint(
                    model_name='accessgrant',
                    constraint=models.CheckConstraint(condition=models.Q(('revoked_at__isnull', True), models.Q(('revocation_method', ''), _negated=True), _connector='OR'), name='accounts_accessgrant_revoked_has_method'),
                ),
                migrations.AddIndex(
                    model_name='offboardingcase',
                    index=models.Index(fields=['status', 'deadline'], name='accounts_of_status_36b6b8_idx'),
                ),
                migrations.AddConstraint(
                    model_name='offboardingcase',
                    constraint=models.UniqueConstraint(condition=models.Q(('status', 'open')), fields=('person',), name='accounts_offboardingcase_one_open'),
                ),
                migrations.AddIndex(
                    model_name='offboardingtask',
                    index=models.Index(fields=['automatic', 'status', 'next_attempt_at'], name='accounts_of_automat_2cc80e_idx'),
                ),
                migrations.AddConstraint(
                    model_name='brandaccount',
                    constraint=models.UniqueConstraint(django.db.models.functions.text.Lower('handle'), models.F('platform'), name='accounts_brandaccount_handle_unique'),
                ),
            ],
        ),
        relabel_content_types("accounts", "offboarding", MODELS),
    ]
