# BrandAccount moved to the offboarding app, same table: only the state of the foreign key changes.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("monitoring", "0008_credential_hosts_mention_received"),
        ("offboarding", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name='mention',
                    name='impersonates',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='impostor_mentions', to='offboarding.brandaccount', verbose_name='imitates'),
                ),
            ],
        ),
    ]
