from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0018_mention_queue_and_impersonation_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="mention",
            index=models.Index(
                condition=models.Q(
                    ("impersonates__isnull", False),
                    ("status__in", ("new", "in_progress", "waiting")),
                ),
                fields=["-published_at", "-id"],
                name="mention_impersonation_open",
            ),
        ),
    ]
