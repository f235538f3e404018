"""Offboarding registers nothing in the Django admin: its pages and API are where it is worked."""
