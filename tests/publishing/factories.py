from connections.models import ConnectedAccount
from tests.offboarding.factories import BrandAccountFactory


def connected_account(fake, *, kind="mastodon", handle="lumora", people=(), teams=()):
    """A connected account of the brand on `fake`'s network, listing who may act as it."""
    brand = BrandAccountFactory(platform=kind, handle=handle)
    account = ConnectedAccount(
        name=f"@{handle} on {kind}",
        kind=kind,
        platform=kind,
        base_url=fake.url,
        brand_account=brand,
    )
    account.secret = {"access_token": "good-token"}
    account.save()
    account.acting_people.add(*people)
    account.acting_teams.add(*teams)
    return account
