"""Who may do what with warnings: each rule said once, for the route (``bp.roles``) and the service."""

from server.access import Rule

ISSUE_WARNINGS = Rule("reviewer", message="只有审核员可以发布预警")  # also change and cancel (the service says which)
ACKNOWLEDGE = Rule("reporter", "reviewer", message="只有村（社区）信息员可以叫应")
READ_ACK_STATUS = Rule("reviewer", "viewer", "admin", message="只有审核员、查看人员和管理员可以查看叫应情况")
