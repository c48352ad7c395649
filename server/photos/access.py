"""Who may upload photos: the rule said once, checked by the service after the parent's scope (the upload routes
declare no roles: a parent out of sight is 404 before a wrong role is 403)."""

from server.access import Rule

UPLOAD_PHOTOS = Rule("reporter", "reviewer", message="只有信息员和审核员可以上传照片")
