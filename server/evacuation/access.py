"""Who may do what with evacuations and shelters: each rule said once, for the route (``bp.roles``) and the
service."""

from server.access import Rule

FILE_EVACUATIONS = Rule("reporter", message="只有信息员可以填报转移避险情况")
EDIT_SHELTERS = Rule("reviewer", "admin")  # the services say which change (登记, 修改) was refused
