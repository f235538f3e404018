"""The scripted day the demo network replays for Lumora (monitoring.demo.network).

Data, kept apart from the server so each reads on its own.
"""

import re
from pathlib import Path
from typing import NamedTuple

# --- The scripted day ------------------------------------------------------------------

# acct: (display name, followers, website verified on the profile). Without a domain the
# account lives on the demo instance. The lookalikes verified their own phishing domain.
ACCOUNTS = {
    "lumora": ("Lumora", 48200, "lumora.example"),
    "lumora_support": ("Lumora Support", 9100, "lumora.example"),
    "lumora_officiaI": ("Lumora Official ✅", 312, "lumora-brew-gift.example"),
    "1umora_support": ("Lumora Support Team", 87, None),
    "marie@piaille.example": ("Marie 🌻", 1240, None),
    "tomk": ("Tom K.", 310, None),
    "baristabeth@coffee.example": ("Beth the Barista", 8700, "coffee.example"),
    "jpdupont@mastodon.example.fr": ("Jean-Pierre Dupont", 95, None),
    "nadia": ("Nadia B.", 2200, None),
    "devops_dan@hachyderm.example": ("Dan (he/him)", 3400, "dan.example"),
    "claire_lyon@piaille.example": ("Claire — Lyon", 610, None),
    "gadgetreview@tech.example": ("Gadget Review Weekly", 52000, "tech.example"),
    "sam_ok": ("sam", 45, None),
    "lucie_m@framapiaf.example": ("Lucie M.", 780, None),
    "raj@fosstodon.example": ("Raj Patel", 1900, None),
    "oldmanjenkins": ("Harold Jenkins", 12, None),
    "consumer_watch@social.example": ("Consumer Watch", 24000, "consumerwatch.example"),
    "defense_conso@piaille.example": ("Défense des conso 🇫🇷", 5400, None),
    "maitre_leroy@avocats.example": ("Maître A. Leroy, avocate", 3100, "avocats.example"),
    "kim_brews": ("Kim 🫘", 430, None),
    "paulo@mastodon.example": ("Paulo", 150, None),
    "emma_w@mstdn.example": ("Emma W.", 890, None),
    "theo_g@piaille.example": ("Théo G.", 260, None),
    "coffeegeek@coffee.example": ("Coffee Geek", 15600, "coffee.example"),
    "sophie_t": ("Sophie T.", 340, None),
    "maxime@mastodon.example.fr": ("Maxime", 70, None),
    "linh@social.example": ("Linh Nguyen", 1100, None),
    "techcrunchy@news.example": ("TechCrunchy", 88000, "news.example"),
    "journal_conso@presse.example": ("Le Journal du Conso", 41000, "presse.example"),
    "amelie_r": ("Amélie R.", 520, None),
    "hugo_b@piaille.example": ("Hugo B.", 205, None),
    "greg@fosstodon.example": ("Greg H.", 640, None),
    "ines": ("Inès 🌙", 1500, None),
    "mike_d@mstdn.example": ("Mike D.", 33, None),
    "ana_s": ("Ana S.", 720, None),
    "zoe@coffee.example": ("Zoé", 2600, None),
    "ray_fixes@repair.example": ("Ray (right to repair)", 6700, "repair.example"),
    "chloe_v@framapiaf.example": ("Chloé V.", 300, None),
    "ben_t": ("Ben T.", 180, None),
}
NEW_ACCOUNTS = {"lumora_officiaI", "1umora_support"}  # created the day they post

# One post per entry: "HH:MM language acct [#key] [>key replied to] [*key boosted] [cw]",
# then the text, indented; " ¶ " starts a paragraph. With cw the first paragraph is the
# content warning. Kept as text (day.txt) rather than tuples so the whole day reads like a feed.
DAY = (Path(__file__).parent / "day.txt").read_text(encoding="utf-8")


class Post(NamedTuple):
    at: int  # seconds after midnight
    language: str
    author: str
    text: str
    spoiler: str = ""
    key: str = ""
    reply_to: str = ""
    boost: str = ""


def parse_day(day: str) -> list[Post]:
    posts: list[Post] = []
    keys: set[str] = set()
    for block in re.split(r"\n(?=\d\d:\d\d )", day.strip()):
        header, *body = block.split("\n")
        at, language, author, *flags = header.split()
        text = " ".join(line.strip() for line in body).replace(" ¶ ", "\n\n")
        spoiler = ""
        if "cw" in flags:
            spoiler, _, text = text.partition("\n\n")
        hours, minutes = at.split(":")
        marks = {flag[0]: flag[1:] for flag in flags if flag[0] in "#>*"}
        post = Post(
            at=int(hours) * 3600 + int(minutes) * 60,
            language=language,
            author=author,
            text=text,
            spoiler=spoiler,
            key=marks.get("#", ""),
            reply_to=marks.get(">", ""),
            boost=marks.get("*", ""),
        )
        if author not in ACCOUNTS or not ({post.reply_to, post.boost} - {""}) <= keys:
            raise ValueError(f"script post at {at} names an unknown account or post")
        if not post.boost and "#lumora" not in text.lower():
            raise ValueError(f"script post at {at} lacks #lumora")
        if posts and post.at <= posts[-1].at:
            raise ValueError(f"script post at {at} is out of order")
        keys.add(post.key)
        posts.append(post)
    return posts


SCRIPT = parse_day(DAY)
