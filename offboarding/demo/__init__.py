"""The demo's offboarding: the access inventory and cases (`seed`), and a fake Meta Business
API that the demo connection revokes through (`meta_business`)."""

from offboarding.demo.seed import seed_offboarding

__all__ = ["seed_offboarding"]
