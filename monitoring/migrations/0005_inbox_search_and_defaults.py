from datetime import timedelta

from django.db import migrations

# A stored tsvector over the text (stemmed in the mention's own language) and the
# author (unstemmed), with a GIN index. PostgreSQL only; SQLite searches with LIKE.
SEARCH_SQL = """
ALTER TABLE monitoring_mention ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    to_tsvector(
        CASE language
            WHEN 'en' THEN 'english'::regconfig
            WHEN 'fr' THEN 'french'::regconfig
            WHEN 'de' THEN 'german'::regconfig
            WHEN 'es' THEN 'spanish'::regconfig
            WHEN 'it' THEN 'italian'::regconfig
            WHEN 'pt' THEN 'portuguese'::regconfig
            WHEN 'nl' THEN 'dutch'::regconfig
            ELSE 'simple'::regconfig
        END,
        text
    )
    || to_tsvector('simple'::regconfig, coalesce(author_handle, '') || ' ' || coalesce(author_name, ''))
) STORED;
CREATE INDEX mention_search ON monitoring_mention USING GIN (search_vector);
"""
SEARCH_REVERSE = "ALTER TABLE monitoring_mention DROP COLUMN search_vector;"


def add_search(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(SEARCH_SQL)


def drop_search(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(SEARCH_REVERSE)


SLA = [  # priority, first response, resolution, business hours only
    (4, timedelta(minutes=30), timedelta(hours=4), False),
    (3, timedelta(hours=2), timedelta(hours=24), False),
    (2, timedelta(hours=8), timedelta(days=3), True),
    (1, timedelta(hours=24), timedelta(days=7), True),
]

TEMPLATES = [
    # name, situation, language, moves to private, body
    (
        "Move to private messages", "Complaint", "en", True,
        "Hi {author}, we're sorry to read this. So we can look into your account safely, "
        "please send us a private message with your order number and mention case {case}. "
        "— The {brand} team",
    ),
    (
        "Passage en message privé", "Réclamation", "fr", True,
        "Bonjour {author}, nous sommes désolés de lire cela. Pour examiner votre dossier en toute "
        "sécurité, écrivez-nous en message privé avec votre numéro de commande en rappelant le "
        "dossier {case}. — L'équipe {brand}",
    ),
    (
        "Thanks", "Praise", "en", False,
        "Thank you {author}, that means a lot to the whole {brand} team!",
    ),
    (
        "Remerciements", "Compliment", "fr", False,
        "Merci beaucoup {author}, toute l'équipe {brand} est ravie de vous lire !",
    ),
    (
        "Impostor warning", "Impersonation", "en", False,
        "Heads up {author}: this account is not {brand}. We never ask for payment or personal "
        "details by message. Our only official accounts are listed on our website. (ref. {case})",
    ),
    (
        "Alerte faux compte", "Usurpation", "fr", False,
        "Attention {author} : ce compte n'est pas celui de {brand}. Nous ne demandons jamais de "
        "paiement ni d'informations personnelles par message. Nos seuls comptes officiels sont "
        "listés sur notre site. (réf. {case})",
    ),
    (
        "We're on it", "Outage or incident", "en", False,
        "Thanks for flagging this, {author}. Our team is investigating now and we'll post an "
        "update here as soon as we know more. (ref. {case})",
    ),
]


def add_defaults(apps, schema_editor):
    SlaTarget = apps.get_model("monitoring", "SlaTarget")
    ReplyTemplate = apps.get_model("monitoring", "ReplyTemplate")
    for priority, first, resolution, business in SLA:
        SlaTarget.objects.get_or_create(
            priority=priority,
            defaults={"first_response": first, "resolution": resolution, "business_hours": business},
        )
    for name, situation, language, private, body in TEMPLATES:
        ReplyTemplate.objects.get_or_create(
            name=name,
            language=language,
            defaults={"situation": situation, "moves_to_private": private, "body": body},
        )


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0004_triage_inbox")]

    operations = [
        migrations.RunPython(add_search, drop_search),
        migrations.RunPython(add_defaults, migrations.RunPython.noop),
    ]
