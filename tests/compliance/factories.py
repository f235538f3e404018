"""Sponsored posts for tests, made through the services like people make them."""

import io
from datetime import timedelta

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from compliance import services
from offboarding.models import BrandAccount

GOOD_TEXT = "#ad Our new Lumora Brew makes a silky flat white in two minutes. Try it this week."


class BrandAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BrandAccount

    platform = "instagram"
    handle = factory.Sequence(lambda n: f"lumora{n}")
    display_name = "Lumora"


def png(name="photo.png", size=(64, 48), colour=(180, 120, 80)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def pdf(name="contract.pdf") -> SimpleUploadedFile:
    body = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def make_post(author, **fields):
    """A draft by `author` with sensible defaults; `fields` override them."""
    defaults = {
        "title": "Flat white launch",
        "text": GOOD_TEXT,
        "platform": "instagram",
        "account_kind": "partner",
        "partner_name": "Beth the Barista",
        "partner_handle": "baristabeth",
        "markets": ["US"],
        "planned_at": timezone.now() + timedelta(days=3),
        "contract_reference": "LUM-2025-014",
    }
    return services.sponsored_post_create(actor=author, **(defaults | fields))


def submitted_post(author, **fields):
    post = make_post(author, **fields)
    return services.sponsored_post_submit(actor=author, post=post)


def approve(post, reviewer, comment=""):
    post.refresh_from_db()
    services.sponsored_post_decide(
        actor=reviewer,
        post=post,
        outcome="approved",
        content_digest=post.content_digest,
        comment=comment,
    )
    post.refresh_from_db()
    return post
