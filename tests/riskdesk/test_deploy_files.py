"""docker-compose.yml and the Dockerfile keep uploaded evidence across redeploys.

Sponsored-post media and offboarding screenshots live under MEDIA_ROOT. Inside a
container's own file system they vanish with the container and the worker never
sees what the web server stored: every service that runs riskdesk's Django code
mounts one named volume at MEDIA_ROOT.
"""

import re
from pathlib import Path

import yaml
from django.conf import settings

BASE = Path(settings.BASE_DIR)


def _compose() -> dict:
    return yaml.safe_load((BASE / "docker-compose.yml").read_text())  # merges `<<:` keys


def _django_services(compose: dict) -> dict:
    """The services built from riskdesk's image (web, worker, beat, migrate...)."""
    return {
        name: service
        for name, service in compose["services"].items()
        if service.get("build") == "." or str(service.get("image", "")).startswith("riskdesk")
    }


def test_every_django_service_mounts_the_same_media_volume_at_media_root():
    compose = _compose()
    services = _django_services(compose)
    assert {"web", "worker", "beat", "migrate"} <= set(services)

    mounts = {}
    for name, service in services.items():
        media_root = service["environment"]["RISKDESK_MEDIA_ROOT"]
        at_media_root = [
            volume.split(":")[0]
            for volume in service.get("volumes", [])
            if volume.split(":")[1] == media_root
        ]
        assert len(at_media_root) == 1, f"{name} does not mount a volume at {media_root}"
        mounts[name] = (at_media_root[0], media_root)

    assert len(set(mounts.values())) == 1, mounts
    volume, _media_root = next(iter(mounts.values()))
    assert volume in compose["volumes"], "a named volume, not a directory of one host"


def test_the_image_creates_media_root_for_its_user():
    """A named volume starts as a copy of the image's directory: owned by riskdesk."""
    dockerfile = (BASE / "Dockerfile").read_text()
    media_root = _django_services(_compose())["web"]["environment"]["RISKDESK_MEDIA_ROOT"]

    assert f"RISKDESK_MEDIA_ROOT={media_root}" in dockerfile
    assert re.search(rf"chown -R riskdesk [^\n]*{re.escape(media_root)}", dockerfile)
