"""Who may do what with local events (本地事件): each rule said once, for the route (``bp.roles``) and the
service."""

from server.access import Rule

OPEN_LOCAL_EVENTS = Rule("reporter", message="只有信息员可以上报本地灾害事件")
DECIDE_LOCAL_EVENTS = Rule("reviewer")  # confirm, merge, reject: the service names the decision refused
