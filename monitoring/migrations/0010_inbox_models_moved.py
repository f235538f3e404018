"""MentionEvent, ReplyTemplate, MentionReply, SavedView, SlaTarget and TeamHours moved to the
inbox app (inbox 0001). State only: their tables stay where they are, now the inbox's.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('inbox', '0001_initial'),
        ('monitoring', '0009_brandaccount_moved'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='mentionevent',
                    name='actor',
                ),
                migrations.RemoveField(
                    model_name='mentionevent',
                    name='mention',
                ),
                migrations.RemoveField(
                    model_name='mentionreply',
                    name='drafted_by',
                ),
                migrations.RemoveField(
                    model_name='mentionreply',
                    name='mention',
                ),
                migrations.RemoveField(
                    model_name='mentionreply',
                    name='sent_by',
                ),
                migrations.RemoveField(
                    model_name='mentionreply',
                    name='template',
                ),
                migrations.RemoveField(
                    model_name='savedview',
                    name='owner',
                ),
                migrations.DeleteModel(
                    name='SlaTarget',
                ),
                migrations.RemoveField(
                    model_name='teamhours',
                    name='team',
                ),
                migrations.DeleteModel(
                    name='MentionEvent',
                ),
                migrations.DeleteModel(
                    name='MentionReply',
                ),
                migrations.DeleteModel(
                    name='ReplyTemplate',
                ),
                migrations.DeleteModel(
                    name='SavedView',
                ),
                migrations.DeleteModel(
                    name='TeamHours',
                ),
            ],
            database_operations=[],
        ),
    ]
