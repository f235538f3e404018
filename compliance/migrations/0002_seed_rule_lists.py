"""Seed the rule lists the checks read, so every install starts with them (legal edits them)."""

from django.db import migrations


def seed(apps, schema_editor):
    from compliance.rulebook import rule_lists_seed

    rule_lists_seed(apps.get_model("compliance", "RuleList"))


def unseed(apps, schema_editor):
    apps.get_model("compliance", "RuleList").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("compliance", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
