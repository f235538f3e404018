"""Four indexes fewer to write for every mention stored.

The single-column indexes of `team` and `assignee` repeat the first column of
`mention_team_status` and `mention_assignee`, which serve the same lookups; those of
`impersonates` and `owned_by` become partial, since few mentions have either.

Only the indexes change in the database: Django's own operations would also drop each foreign
key and validate it again, a scan of every partition per key.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

SINGLE = {  # column -> the index Django made for its foreign key
    "team_id": "monitoring_mention_team_id_e9fb9832",
    "assignee_id": "monitoring_mention_assignee_id_97bd7129",
    "impersonates_id": "monitoring_mention_impersonates_id_078abf6d",
    "owned_by_id": "monitoring_mention_owned_by_id_ab0f992a",
}
PARTIAL = {"impersonates_id": "mention_impersonates", "owned_by_id": "mention_owned_by"}
TABLE = "monitoring_mention"

FORWARD = [f'DROP INDEX IF EXISTS "{name}"' for name in SINGLE.values()] + [
    f'CREATE INDEX "{name}" ON "{TABLE}" ("{column}") WHERE "{column}" IS NOT NULL'
    for column, name in PARTIAL.items()
]
BACKWARD = [f'DROP INDEX IF EXISTS "{name}"' for name in PARTIAL.values()] + [
    f'CREATE INDEX "{name}" ON "{TABLE}" ("{column}")' for column, name in SINGLE.items()
]


def _foreign_key(to, related_name, verbose_name):
    return models.ForeignKey(
        blank=True,
        db_index=False,
        null=True,
        on_delete=django.db.models.deletion.SET_NULL,
        related_name=related_name,
        to=to,
        verbose_name=verbose_name,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_sso_and_scim_groups"),
        ("monitoring", "0020_partitioned_mentions"),
        ("offboarding", "0003_delete_revocationconnection"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(FORWARD, BACKWARD)],
            state_operations=[
                migrations.AlterField(
                    model_name="mention",
                    name="assignee",
                    field=_foreign_key(settings.AUTH_USER_MODEL, "assigned_mentions", "assignee"),
                ),
                migrations.AlterField(
                    model_name="mention",
                    name="impersonates",
                    field=_foreign_key("offboarding.brandaccount", "impostor_mentions", "imitates"),
                ),
                migrations.AlterField(
                    model_name="mention",
                    name="owned_by",
                    field=_foreign_key(
                        "offboarding.brandaccount", "own_posts", "posted by the brand account"
                    ),
                ),
                migrations.AlterField(
                    model_name="mention",
                    name="team",
                    field=_foreign_key("accounts.team", "mentions", "team"),
                ),
                migrations.AddIndex(
                    model_name="mention",
                    index=models.Index(
                        condition=models.Q(("impersonates__isnull", False)),
                        fields=["impersonates"],
                        name="mention_impersonates",
                    ),
                ),
                migrations.AddIndex(
                    model_name="mention",
                    index=models.Index(
                        condition=models.Q(("owned_by__isnull", False)),
                        fields=["owned_by"],
                        name="mention_owned_by",
                    ),
                ),
            ],
        )
    ]
