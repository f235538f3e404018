"""The demo's sponsored posts for Lumora (seed_demo): one waiting for legal, one approved."""

import io
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from accounts.demo import demo_email
from accounts.models import User
from compliance import services
from compliance.models import SponsoredPost
from compliance.rulebook import rule_lists_seed
from offboarding.models import BrandAccount

WAITING_TITLE = "Beth the Barista: iced oat cortado recipe"
APPROVED_TITLE = "Café Lumière pop-up in Lyon"
DRAFT_TITLE = "Spring giveaway: win a Lumora Brew"

WAITING_TEXT = (
    "Recipe time! ☕ My iced oat cortado on the new Lumora Brew: double shot, strength 4, "
    "60 ml of cold oat milk, ice and a pinch of cinnamon. Two minutes, zero fuss, and it "
    "boosts your metabolism before the gym 💪\n\n"
    "15% off your own Brew with my code BETH15 (link in bio).\n\n"
    "#coffee #icedcoffee #oatmilk #homebarista #ad #lumora #coffeetime"
)
APPROVED_TEXT = (
    "Publicité · Collaboration commerciale avec @cafelumiere ☕ Du 12 au 14 juin, venez goûter "
    "nos cafés de spécialité préparés sur la Lumora Brew au Café Lumière, 8 rue Mercière à "
    "Lyon. Entrée libre, de 9 h à 18 h."
)
DRAFT_TEXT = (
    "#ad Spring giveaway! 🌸 Win a Lumora Brew in Sage Green: follow @lumora and tell us your "
    "favourite morning ritual in the replies. #giveaway #lumora"
)


def _picture(colour: tuple[int, int, int], name: str) -> SimpleUploadedFile:
    """A small illustration: a cup of coffee on a coloured background."""
    image = Image.new("RGB", (960, 960), colour)
    draw = ImageDraw.Draw(image)
    draw.ellipse((250, 700, 710, 780), fill=(60, 40, 30))  # saucer shadow
    draw.rounded_rectangle((300, 380, 660, 740), radius=60, fill=(250, 246, 240))  # cup
    draw.ellipse((300, 340, 660, 430), fill=(250, 246, 240))
    draw.ellipse((325, 355, 635, 415), fill=(120, 78, 50))  # coffee
    draw.ellipse((430, 370, 530, 400), fill=(214, 184, 150))  # foam
    draw.arc((620, 450, 760, 620), start=-80, end=80, fill=(250, 246, 240), width=28)  # handle
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def _at(days: int, hour: int):
    moment = timezone.localtime() + timedelta(days=days)
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0)


@transaction.atomic
def seed_compliance() -> dict[str, int]:
    """Create the demo's sponsored posts if missing (idempotent), and the default rule lists
    their checks read if a flush removed what the migration loaded."""
    rule_lists_seed()
    social = User.objects.filter(email=demo_email("social")).first()
    legal = User.objects.filter(email=demo_email("legal")).first()
    created = {"sponsored_posts": 0}
    if social is None or legal is None:
        return created
    existing = set(
        SponsoredPost.objects.filter(
            title__in=[WAITING_TITLE, APPROVED_TITLE, DRAFT_TITLE]
        ).values_list("title", flat=True)
    )
    if WAITING_TITLE not in existing:
        post = services.sponsored_post_create(
            actor=social,
            title=WAITING_TITLE,
            text=WAITING_TEXT,
            platform="instagram",
            account_kind="partner",
            partner_name="Beth the Barista",
            partner_handle="baristabeth",
            campaign="Lumora Brew summer launch",
            markets=["US", "FR"],
            planned_at=_at(3, 17),
            contract_reference="Influencer agreement LUM-2025-014, signed 2 May",
            contract_handle="baristabeth",
            media=[_picture((196, 164, 132), "iced-oat-cortado.jpg")],
        )
        services.comment_add(
            actor=social,
            post=post,
            body="@legal Beth wants this out before the weekend. The code BETH15 is in "
            "the contract's annex.",
        )
        services.sponsored_post_submit(actor=social, post=post)
        created["sponsored_posts"] += 1
    if APPROVED_TITLE not in existing:
        account = BrandAccount.objects.filter(platform="x", handle__iexact="lumora").first()
        post = services.sponsored_post_create(
            actor=social,
            title=APPROVED_TITLE,
            text=APPROVED_TEXT,
            platform="x",
            account_kind="brand" if account else "partner",
            brand_account=account,
            partner_handle="" if account else "lumora",
            partner_name="Café Lumière",
            campaign="Lumora cafés tour",
            markets=["FR"],
            planned_at=_at(5, 9),
            contract_reference="Co-marketing agreement CL-2025-03",
            media=[_picture((143, 170, 150), "cafe-lumiere-lyon.jpg")],
        )
        services.sponsored_post_submit(actor=social, post=post)
        from incidents import freeze

        if freeze.current_freeze() is None:
            services.sponsored_post_decide(
                actor=legal,
                post=post,
                outcome="approved",
                content_digest=post.content_digest,
                comment="Disclosure in French at the start, no claims. Cleared for France.",
            )
        created["sponsored_posts"] += 1
    if DRAFT_TITLE not in existing:
        account = BrandAccount.objects.filter(platform="x", handle__iexact="lumora").first()
        services.sponsored_post_create(
            actor=social,
            title=DRAFT_TITLE,
            text=DRAFT_TEXT,
            platform="x",
            account_kind="brand" if account else "partner",
            brand_account=account,
            partner_handle="" if account else "lumora",
            campaign="Spring 2025",
            markets=["US", "UK"],
            planned_at=_at(10, 12),
        )
        created["sponsored_posts"] += 1
    return created
