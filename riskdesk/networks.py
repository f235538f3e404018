"""The social networks riskdesk knows: where mentions come from and brand accounts live."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Platform(models.TextChoices):
    X = "x", "X"
    MASTODON = "mastodon", "Mastodon"
    BLUESKY = "bluesky", "Bluesky"
    REDDIT = "reddit", "Reddit"
    YOUTUBE = "youtube", "YouTube"
    NEWS = "news", _("News (RSS/Atom)")
    FACEBOOK = "facebook", "Facebook"
    INSTAGRAM = "instagram", "Instagram"
    OTHER = "other", _("Other (pushed by a listening tool)")
