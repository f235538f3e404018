"""E-mail to people (reminders, assignments, escalations), sent after the change commits.

Team channels (Slack, webhooks) go through `alerting.services.notify_team`;
this is for messages addressed to named people.
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, send_mass_mail
from django.db import transaction
from django.template.loader import render_to_string


def absolute_url(path: str) -> str:
    return settings.RISKDESK_BASE_URL + path


def mail_people(*, people, subject: str, body: str) -> int:
    """Queue one message per active person with an address; returns how many.

    Sent on commit so a rolled-back change sends nothing. A failing mail server
    is logged by Django and does not undo the change that triggered the message.
    """
    recipients = sorted({p.email for p in people if p.is_active and p.email})
    if not recipients:
        return 0
    messages = [(subject, body, None, [address]) for address in recipients]
    transaction.on_commit(lambda: send_mass_mail(messages, fail_silently=True))
    return len(recipients)


def mail_person_rendered(*, person, subject: str, template: str, context: dict) -> int:
    """One message to one person, from `<template>.txt` and `<template>.html`; 1 if queued.

    Sent on commit, like `mail_people`. The context gets `person` and `base_url`, so links
    are absolute (RISKDESK_BASE_URL).
    """
    if not (person.is_active and person.email):
        return 0
    context = {"person": person, "base_url": settings.RISKDESK_BASE_URL, **context}
    message = EmailMultiAlternatives(
        subject=subject, body=render_to_string(f"{template}.txt", context), to=[person.email]
    )
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    transaction.on_commit(lambda: message.send(fail_silently=True))
    return 1
