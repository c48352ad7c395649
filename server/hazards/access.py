"""Who may do what with hazards: each rule said once, for the route (``bp.roles``) and the service."""

from server.access import Rule

FILE_HAZARDS = Rule("reporter", "reviewer", message="只有信息员和审核员可以上报隐患")
# A transition, checked by the service only (the other transitions are the supervisors', by level).
REPORT_RECTIFIED = Rule("reporter", "reviewer", message="只有信息员或审核员可以报告整改完成")
