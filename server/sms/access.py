"""Who may see the SMS gateway's health: the rule said once, for the route (``bp.roles``)."""

from server.access import Rule

READ_GATEWAY = Rule("reviewer", "admin")
