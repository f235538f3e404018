"""Permissions this app adds to the riskdesk roles (merged by accounts.roles).

The social team sees the connected accounts and acts as those it is listed on; admins
connect, change and remove them; HR's revocations run on the ones admins set up.
"""

ROLE_PERMISSIONS: dict[str, list[str]] = {
    "social": [
        "connections.view_connectedaccount",
        "connections.act_connectedaccount",
    ],
    "admin": [
        "connections.view_connectedaccount",
        "connections.add_connectedaccount",
        "connections.change_connectedaccount",
        "connections.delete_connectedaccount",
        "connections.act_connectedaccount",
    ],
}
