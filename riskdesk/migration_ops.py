"""Operations that migrations share. Migrations import them, so they never change meaning."""

from django.db import migrations


def relabel_content_types(old_app: str, new_app: str, models: list[str]) -> migrations.RunPython:
    """Move the content types of `models` from `old_app` to `new_app` (and back on reverse).

    For a model that moves to another app with its table: keeping its content type row, only
    relabelled, keeps its audit events and the role groups' permissions attached to it.
    """

    def relabel(apps, from_app: str, to_app: str) -> None:
        ContentType = apps.get_model("contenttypes", "ContentType")
        ContentType.objects.filter(app_label=from_app, model__in=models).update(app_label=to_app)

    return migrations.RunPython(
        lambda apps, schema_editor: relabel(apps, old_app, new_app),
        lambda apps, schema_editor: relabel(apps, new_app, old_app),
    )
