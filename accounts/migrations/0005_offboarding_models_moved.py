# The brand accounts inventory, access grants and offboarding now live in the offboarding app
# (offboarding 0001), on the same tables: accounts forgets them, in its state only. The
# fields of other apps that pointed at them point at offboarding's models first.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0004_api_tokens"),
        ("offboarding", "0001_initial"),
        ("monitoring", "0009_brandaccount_moved"),
        ("compliance", "0004_brandaccount_moved"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                # Those that point at others first.
                migrations.DeleteModel(name="RevocationAttempt"),
                migrations.DeleteModel(name="OffboardingTask"),
                migrations.DeleteModel(name="OffboardingCase"),
                migrations.DeleteModel(name="AccessGrant"),
                migrations.DeleteModel(name="AccessFinding"),
                migrations.DeleteModel(name="BrandAccount"),
                migrations.DeleteModel(name="RevocationConnection"),
            ],
        ),
    ]
