"""Shared by the single sign-on tests: a provider row pointed at the fake, and the browser's
round trip through it (riskdesk → the fake's /authorize → riskdesk's callback)."""

from urllib.parse import urlsplit

import httpx
from django.test import Client

from accounts.models import IdentityProvider
from tests.fakes.oidc import FakeOidcProvider

CLIENT_ID = "riskdesk"
CLIENT_SECRET = "s3cret-client"


def make_provider(fake: FakeOidcProvider, **fields) -> IdentityProvider:
    values = {
        "name": "Okta",
        "slug": "okta",
        "issuer": fake.issuer,
        "client_id": CLIENT_ID,
        "group_roles": {"rd-social": "social", "rd-legal": "legal", "rd-managers": "manager"},
    } | fields
    provider = IdentityProvider(**values)
    provider.secret = {"client_secret": CLIENT_SECRET}
    provider.save()
    return provider


def leave_for_provider(client: Client, provider: IdentityProvider, next_url: str = "") -> str:
    """Press "Sign in with …": the provider's authorize URL riskdesk redirects to."""
    response = client.get(f"/sso/{provider.slug}/start/", {"next": next_url} if next_url else {})
    assert response.status_code == 302, response.content[:500]
    return response["Location"]


def provider_redirect(authorize_url: str) -> str:
    """The fake signs the person in at once: the callback path and query it sends back."""
    answer = httpx.get(authorize_url, follow_redirects=False)
    assert answer.status_code == 302, answer.text
    location = urlsplit(answer.headers["location"])
    return f"{location.path}?{location.query}"


def sso_sign_in(client: Client, provider: IdentityProvider, next_url: str = ""):
    """The whole round trip; the callback's response."""
    return client.get(provider_redirect(leave_for_provider(client, provider, next_url)))
