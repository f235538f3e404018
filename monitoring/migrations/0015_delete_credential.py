# Streams sign in with a connected account; step 3 of 3 (see 0014): the credentials were
# copied into connected accounts by connections 0002, so the old key and model go.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("connections", "0002_fold_credentials_and_revocation_connections"),
        ("monitoring", "0014_stream_connected_account"),
    ]

    operations = [
        migrations.RemoveField(model_name="stream", name="legacy_credential"),
        migrations.DeleteModel(name="Credential"),
    ]
