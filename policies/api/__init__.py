"""The policies home's API, one module per sub-feature: `policies`, `revisions` (nested under
a policy, with the workflow actions) and `training` (modules and records). `urls.py` registers
the viewsets below in API_ROUTES."""

from policies.api.policies import PolicyViewSet
from policies.api.revisions import PolicyRevisionViewSet
from policies.api.training import TrainingModuleViewSet, TrainingRecordViewSet

__all__ = [
    "PolicyRevisionViewSet",
    "PolicyViewSet",
    "TrainingModuleViewSet",
    "TrainingRecordViewSet",
]
