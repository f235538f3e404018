"""/api/v1/incidents/, /api/v1/playbooks/ and /api/v1/publishing-freeze/, one module each
(`incidents`, `playbooks`, `freeze`), their JSON in `serializers`. incidents/urls.py
registers the viewsets re-exported here.
"""

from incidents.api.freeze import PublishingFreezeViewSet
from incidents.api.incidents import IncidentViewSet
from incidents.api.playbooks import PlaybookViewSet

__all__ = ["IncidentViewSet", "PlaybookViewSet", "PublishingFreezeViewSet"]
