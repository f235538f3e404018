# Brand accounts revoke through a connected account; step 3 of 3 (see 0002): the
# revocation connections were copied into connected accounts by connections 0002, so the
# old key and model go.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("connections", "0002_fold_credentials_and_revocation_connections"),
        ("offboarding", "0002_brandaccount_connected_account"),
    ]

    operations = [
        migrations.RemoveField(model_name="brandaccount", name="legacy_revocation_connection"),
        migrations.DeleteModel(name="RevocationConnection"),
    ]
