"""Rules, notification channels, notifications and spikes now live in alerting.

State only: the tables stay (alerting's models keep their names). Incidents' foreign
keys are moved first (incidents 0003), then the models leave monitoring's state.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("alerting", "0001_initial"),
        ("incidents", "0003_alerting_models_moved"),
        ("monitoring", "0010_inbox_models_moved"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RemoveField(model_name="notificationchannel", name="team"),
                migrations.RemoveField(model_name="rule", name="created_by"),
                migrations.RemoveField(model_name="spikealert", name="stream"),
                migrations.RemoveField(model_name="spikealert", name="tag"),
                migrations.DeleteModel(name="Notification"),
                migrations.DeleteModel(name="NotificationChannel"),
                migrations.DeleteModel(name="Rule"),
                migrations.DeleteModel(name="SpikeAlert"),
            ],
        ),
    ]
