"""Who may do what with disaster events: each rule said once, for the route (``bp.roles``) and the service."""

from server.access import Rule

OPEN_EVENTS = Rule("reviewer", message="只有审核员可以启动灾害过程")
CHANGE_EVENT_STATUS = Rule("reviewer", message="只有审核员可以变更灾害过程状态")
