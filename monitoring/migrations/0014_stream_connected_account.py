# Streams sign in with a connected account (connections.ConnectedAccount); step 1 of 3.
#
# The old foreign key to monitoring.Credential is set aside as `legacy_credential` and a new
# `credential` points at ConnectedAccount. connections 0002 copies every credential into a
# connected account and sets it; monitoring 0015 drops the old key and the Credential model.
# Schema and data changes stay in separate migrations: PostgreSQL refuses to ALTER a table
# with foreign key checks still pending in the same transaction.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("connections", "0001_connected_account"),
        ("monitoring", "0013_mention_parent_index"),
    ]

    operations = [
        migrations.RenameField(
            model_name="stream",
            old_name="credential",
            new_name="legacy_credential",
        ),
        # The renamed column keeps its index and the index its name, which the new key's
        # index would take: the old key loses its index first.
        migrations.AlterField(
            model_name="stream",
            name="legacy_credential",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="streams",
                to="monitoring.credential",
            ),
        ),
        migrations.AddField(
            model_name="stream",
            name="credential",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="streams",
                to="connections.connectedaccount",
                verbose_name="connected account",
            ),
        ),
    ]
