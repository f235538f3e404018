"""The demo's advocacy library (seed_demo): one post anyone trained may share, one sponsored
post legal cleared through compliance, and a draft whose health claim sends it to legal.

Sam (social) and Morgane (manager) acknowledged the social media policy and hold its
training, so they share; Hugo (HR) did neither, so the library shows him the steps first.
"""

from django.db import transaction

from accounts.demo import demo_email
from accounts.models import User
from advocacy import selectors, services
from advocacy.models import LibraryPost, Share
from compliance import services as compliance

SOLAR_TITLE = "Our Lyon roastery now runs on solar power"
PARTNER_TITLE = "Café Lumière week: taste the Lumora Brew in Lyon"
DRAFT_TITLE = "Lumora Decaf, the calm cup"

POSTS = [
    (
        SOLAR_TITLE,
        "Since Monday, every bean we roast in Lyon is roasted on solar power: 2,400 panels on "
        "the roof, 80% less grid energy. Proud of the team who made it happen! ☀️",
        "https://lumora.example/news/solar-roastery",
        ["x", "linkedin", "facebook", "mastodon", "bluesky"],
        ["US", "UK", "FR"],
        False,
    ),
    (
        PARTNER_TITLE,
        "From 12 to 14 June, Café Lumière in Lyon serves its specialty coffees on the Lumora "
        "Brew, in partnership with Lumora. Come and say hello!",
        "https://lumora.example/cafe-lumiere",
        ["x", "linkedin", "bluesky"],
        ["FR"],
        True,
    ),
    (
        DRAFT_TITLE,
        "Meet Lumora Decaf: all the taste, none of the jitters. A miracle for your evenings.",
        "https://lumora.example/decaf",
        ["x", "linkedin"],
        ["US", "UK"],
        False,
    ),
]
# (login, post title, network, market, clicks)
SHARES = [
    ("social", SOLAR_TITLE, "linkedin", "US", 42),
    ("manager", SOLAR_TITLE, "x", "FR", 17),
    ("social", PARTNER_TITLE, "x", "FR", 9),
]


@transaction.atomic
def seed_advocacy() -> dict[str, int]:
    """Create the demo library and a few shares if missing (idempotent)."""
    created = {"library_posts": 0, "shares": 0}
    people = {
        u.email.split("@")[0]: u
        for u in User.objects.filter(
            email__in=[demo_email(login) for login in ("social", "legal", "manager")]
        )
    }
    social, legal = people.get("social"), people.get("legal")
    if social is None or legal is None:
        return created
    existing = set(LibraryPost.objects.values_list("title", flat=True))
    from incidents import freeze

    for title, text, link, networks, markets, needs_legal in POSTS:
        if title in existing:
            continue
        post = services.library_post_create(
            actor=social,
            title=title,
            text=text,
            link=link,
            networks=networks,
            markets=markets,
            needs_legal=needs_legal,
        )
        created["library_posts"] += 1
        if title == DRAFT_TITLE:
            continue  # its claim ("miracle") waits for the social team to ask legal
        if not post.requires_legal:
            services.library_post_publish(actor=social, post=post)
            continue
        post = services.library_post_ask_legal(actor=social, post=post)
        if freeze.current_freeze() is None:
            sponsored = post.clearance
            compliance.sponsored_post_decide(
                actor=legal,
                post=sponsored,
                outcome="approved",
                content_digest=sponsored.content_digest,
                comment="Partnership named, employee disclosure added: cleared for France.",
            )
            services.library_posts_sync()
    if freeze.current_freeze() is None and not Share.objects.exists():
        posts = {
            p.title: p for p in LibraryPost.objects.filter(title__in=[SOLAR_TITLE, PARTNER_TITLE])
        }
        for login, title, network, market, clicks in SHARES:
            person, post = people.get(login), posts.get(title)
            if person is None or post is None:
                continue
            post.refresh_from_db()
            if selectors.share_block(post) or not selectors.readiness(person).ready:
                continue
            share = services.share_create(actor=person, post=post, network=network, market=market)
            Share.objects.filter(pk=share.pk).update(clicks=clicks)
            created["shares"] += 1
    return created
