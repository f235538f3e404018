"""On PostgreSQL, the database itself refuses UPDATE and DELETE on audit events.

TRUNCATE stays possible for an operator who must purge the table deliberately.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION riskdesk_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING MESSAGE = 'riskdesk_auditevent is append-only: ' || TG_OP || ' refused';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER riskdesk_auditevent_append_only
    BEFORE UPDATE OR DELETE ON riskdesk_auditevent
    FOR EACH ROW EXECUTE FUNCTION riskdesk_auditevent_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS riskdesk_auditevent_append_only ON riskdesk_auditevent;
DROP FUNCTION IF EXISTS riskdesk_auditevent_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("riskdesk", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
