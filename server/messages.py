"""Chinese for every message marshmallow can produce, set once for the whole app.

Imported first thing by the ``server`` package (server/__init__.py), before any schema module: a field takes its
messages when it is constructed, which for a schema's fields is when its module is imported. Every field class's
``default_error_messages``, the Schema's, and every validator's message templates are replaced in place, so
schemas written anywhere, and fields or validators used without a message of their own, answer in Chinese. A test
(tests/test_chinese_messages.py) walks every field and validator class and fails on any message left in English.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate
from webargs import fields as webargs_fields

FIELD_MESSAGES: dict[type, dict[str, str]] = {
    fields.Field: {"required": "缺少必填字段", "null": "不能为空（null）", "validator_failed": "取值无效"},
    fields.Nested: {"type": "类型无效，应为对象"},
    fields.List: {"invalid": "应为列表（数组）"},
    fields.Tuple: {"invalid": "应为数组"},
    fields.String: {"invalid": "应为字符串", "invalid_utf8": "不是有效的 UTF-8 字符串"},
    fields.UUID: {"invalid_uuid": "不是有效的 UUID"},
    fields.Number: {"invalid": "应为数字", "too_large": "数值过大"},
    fields.Integer: {"invalid": "应为整数"},
    fields.Float: {"special": "不允许 NaN 或无穷大"},
    fields.Decimal: {"special": "不允许 NaN 或无穷大"},
    fields.Boolean: {"invalid": "应为布尔值（true 或 false）"},
    fields.DateTime.__mro__[1]: {  # marshmallow's private _TemporalField, base of DateTime, Date and Time
        "invalid": "不是有效的日期或时间",
        "invalid_awareness": "日期时间的时区不符合要求",
        "format": "“{input}”无法表示为日期或时间",
    },
    fields.DateTime: {
        "invalid": "不是有效的日期时间（ISO 8601，如 2026-07-01T08:30:00+08:00）",
        "invalid_awareness": "日期时间的时区不符合要求",
        "format": "“{input}”无法表示为日期时间",
    },
    fields.AwareDateTime: {"invalid_awareness": "日期时间须带时区偏移，如 +08:00"},
    fields.NaiveDateTime: {"invalid_awareness": "日期时间不能带时区偏移"},
    fields.Date: {"invalid": "不是有效的日期（YYYY-MM-DD）", "format": "“{input}”无法表示为日期"},
    fields.Time: {"invalid": "不是有效的时间（HH:MM:SS）", "format": "“{input}”无法表示为时间"},
    fields.TimeDelta: {"invalid": "不是有效的时长", "format": "“{input}”无法表示为时长"},
    fields.Mapping: {"invalid": "应为对象（键值对）"},
    fields.Url: {"invalid": "不是有效的网址"},
    fields.Email: {"invalid": "不是有效的电子邮件地址"},
    fields.IP: {"invalid_ip": "不是有效的 IP 地址"},
    fields.IPv4: {"invalid_ip": "不是有效的 IPv4 地址"},
    fields.IPv6: {"invalid_ip": "不是有效的 IPv6 地址"},
    fields.IPInterface: {"invalid_ip_interface": "不是有效的 IP 网段"},
    fields.IPv4Interface: {"invalid_ip_interface": "不是有效的 IPv4 网段"},
    fields.IPv6Interface: {"invalid_ip_interface": "不是有效的 IPv6 网段"},
    fields.Enum: {"unknown": "取值须为以下之一：{choices}"},
    # webargs (under flask-smorest) adds two fields of its own
    webargs_fields.DelimitedList: {"invalid": "不是有效的逗号分隔列表"},
    webargs_fields.DelimitedTuple: {"invalid": "不是有效的逗号分隔元组"},
}

SCHEMA_MESSAGES = {"type": "数据类型无效，应为 JSON 对象", "unknown": "未知字段"}

VALIDATOR_MESSAGES: dict[type, dict[str, str]] = {
    validate.URL: {"default_message": "不是有效的网址"},
    validate.Email: {"default_message": "不是有效的电子邮件地址"},
    validate.Range: {
        "message_min": "须{min_op} {{min}}",
        "message_max": "须{max_op} {{max}}",
        "message_all": "须{min_op} {{min}}，且{max_op} {{max}}",
        "message_gte": "大于或等于",
        "message_gt": "大于",
        "message_lte": "小于或等于",
        "message_lt": "小于",
    },
    validate.Length: {
        "message_min": "长度不能少于 {min}",
        "message_max": "长度不能超过 {max}",
        "message_all": "长度须在 {min} 到 {max} 之间",
        "message_equal": "长度须为 {equal}",
    },
    validate.Equal: {"default_message": "须等于 {other}"},
    validate.Regexp: {"default_message": "格式不正确"},
    validate.Predicate: {"default_message": "取值无效"},
    validate.NoneOf: {"default_message": "取值无效"},
    validate.OneOf: {"default_message": "取值须为以下之一：{choices}"},
    validate.ContainsOnly: {"default_message": "所选项须在以下范围内：{choices}"},
    validate.ContainsNoneOf: {"default_message": "所选项不能包含：{values}"},
}


def install() -> None:
    for cls, messages in FIELD_MESSAGES.items():
        # in place where the class has its own dict (subclasses merge along the MRO), else a dict of its own
        if "default_error_messages" in cls.__dict__:
            cls.default_error_messages.update(messages)
        else:
            cls.default_error_messages = dict(messages)
    Schema._default_error_messages.update(SCHEMA_MESSAGES)
    for cls, attributes in VALIDATOR_MESSAGES.items():
        for name, text in attributes.items():
            setattr(cls, name, text)


install()
