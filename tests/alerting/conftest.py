"""Monitoring's fixtures that the alerting tests need too: short HTTP timeouts for sending."""

from tests.monitoring.conftest import _fast_http  # noqa: F401  (autouse)
