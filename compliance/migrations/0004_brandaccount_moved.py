# BrandAccount moved to the offboarding app, same table: only the state of the foreign key changes.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("compliance", "0003_digest_covers_every_reviewed_field"),
        ("offboarding", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name='sponsoredpost',
                    name='brand_account',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='sponsored_posts', to='offboarding.brandaccount', verbose_name='brand account'),
                ),
            ],
        ),
    ]
