# Brand accounts revoke through a connected account (connections.ConnectedAccount); step 1
# of 3, as monitoring 0014 does for streams.
#
# The old foreign key to RevocationConnection is set aside as `legacy_revocation_connection`
# and a new `revocation_connection` points at ConnectedAccount; connections 0002 copies the
# connections and sets it; offboarding 0003 drops the old key and model.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("connections", "0001_connected_account"),
        ("offboarding", "0001_initial"),
    ]

    operations = [
        migrations.RenameField(
            model_name="brandaccount",
            old_name="revocation_connection",
            new_name="legacy_revocation_connection",
        ),
        # The renamed column keeps its index and the index its name, which the new key's
        # index would take: the old key loses its index first.
        migrations.AlterField(
            model_name="brandaccount",
            name="legacy_revocation_connection",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="accounts",
                to="offboarding.revocationconnection",
            ),
        ),
        migrations.AddField(
            model_name="brandaccount",
            name="revocation_connection",
            field=models.ForeignKey(
                blank=True,
                help_text="Lets riskdesk remove people from this account through the network's API.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="revoked_accounts",
                to="connections.connectedaccount",
                verbose_name="revocation connection",
            ),
        ),
    ]
