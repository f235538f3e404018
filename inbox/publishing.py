"""Where a reply goes once the team sends it.

Today riskdesk records the reply as sent by the person, who posts it on the
network themself (`RecordOnly`). Publishing through a network's API is the
next step: a publisher per network, chosen by `publisher_for(mention)`, whose
`send` returns the id the network gave the reply.
"""


class RecordOnly:
    name = "recorded"

    def send(self, *, mention, body: str, private: bool) -> str:
        return ""


def publisher_for(mention) -> RecordOnly:
    return RecordOnly()
