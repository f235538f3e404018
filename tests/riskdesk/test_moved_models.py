"""Models that moved to a new home keep their table, their rows, their audit history and
the role groups' permissions on them.

The database is taken back to the migrations main had before the move (the new homes
unapplied), rows are written with the models of that time, and the database is migrated
forward to today's code, which must read the same rows.
"""

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from riskdesk.models import AuditEvent

BEFORE_THE_MOVE = [
    ("accounts", "0004_api_tokens"),
    ("monitoring", "0008_credential_hosts_mention_received"),
    ("compliance", "0003_digest_covers_every_reviewed_field"),
    ("incidents", "0002_seed_playbooks"),
    ("offboarding", None),
    ("inbox", None),
    ("alerting", None),
]
# (old app, model, new app): one model of each home that moved.
MOVED = [
    ("accounts", "BrandAccount", "offboarding"),
    ("monitoring", "ReplyTemplate", "inbox"),
    ("monitoring", "Rule", "alerting"),
]


def _migrate(targets):
    """Migrate to `targets`; the models as they were there."""
    MigrationExecutor(connection).migrate(targets)
    loader = MigrationExecutor(connection).loader
    return loader.project_state(list(loader.applied_migrations)).apps


def _write_old_rows(old):
    """One row of each moved model, its content type, an audit event on it and a role
    group holding its change permission, as main wrote them before the move."""
    user = old.get_model("accounts", "User").objects.create(email="mover@example.com")
    team = old.get_model("accounts", "Team").objects.create(name="Moves", slug="moves")
    rows = {
        "BrandAccount": old.get_model("accounts", "BrandAccount").objects.create(
            platform="x", handle="lumora_moved", team=team
        ),
        "ReplyTemplate": old.get_model("monitoring", "ReplyTemplate").objects.create(
            name="Moved", body="Hello {author}", language="en"
        ),
        "Rule": old.get_model("monitoring", "Rule").objects.create(
            name="Moved rule", conditions=[], actions={}, created_by=user
        ),
    }
    group = old.get_model("auth", "Group").objects.create(name="movers")
    for app, model, _new in MOVED:
        content_type, _created = old.get_model("contenttypes", "ContentType").objects.get_or_create(
            app_label=app, model=model.lower()
        )
        permission, _created = old.get_model("auth", "Permission").objects.get_or_create(
            content_type=content_type,
            codename=f"change_{model.lower()}",
            defaults={"name": f"Can change {model}"},
        )
        group.permissions.add(permission)
        old.get_model("riskdesk", "AuditEvent").objects.create(
            verb="moved.row",
            target_type=content_type,
            target_id=str(rows[model].pk),
            target_label=model,
        )
    return {model: row.pk for model, row in rows.items()}


@pytest.mark.django_db(transaction=True)
def test_a_database_from_before_the_move_migrates_with_nothing_lost():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        ids = _write_old_rows(_migrate(BEFORE_THE_MOVE))
        _migrate(latest)
        ContentType.objects.clear_cache()

        from alerting.models import Rule
        from inbox.models import ReplyTemplate
        from offboarding.models import BrandAccount

        assert BrandAccount.objects.get(pk=ids["BrandAccount"]).handle == "lumora_moved"
        assert ReplyTemplate.objects.get(pk=ids["ReplyTemplate"]).body == "Hello {author}"
        assert Rule.objects.get(pk=ids["Rule"]).name == "Moved rule"
        # The history and the permissions follow the models to their new home.
        targets = {
            event.target_label: event.target_type.model_class()
            for event in AuditEvent.objects.filter(verb="moved.row")
        }
        assert targets == {
            "BrandAccount": BrandAccount,
            "ReplyTemplate": ReplyTemplate,
            "Rule": Rule,
        }
        assert sorted(
            f"{p.content_type.app_label}.{p.codename}"
            for p in Group.objects.get(name="movers").permissions.all()
        ) == [
            "alerting.change_rule",
            "inbox.change_replytemplate",
            "offboarding.change_brandaccount",
        ]
        assert not ContentType.objects.filter(
            app_label__in=["accounts", "monitoring"],
            model__in=["brandaccount", "replytemplate", "rule"],
        ).exists()
    finally:
        _migrate(latest)
