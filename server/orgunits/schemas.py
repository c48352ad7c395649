from marshmallow import ValidationError, fields, validate

from server.fields import InputSchema, PageQuery
from server.orgunits.models import LEVELS

# ASCII digits only (\d also takes ٣ and ３). The OpenAPI document publishes the pattern, and OpenAPI patterns are
# ECMA-262: no \A or \Z. Python's $ also matches before a trailing newline, so the value must match whole.
CODE_PATTERN = r"^[0-9]+$"


class WholeMatch(validate.Regexp):
    """``validate.Regexp`` (so apispec documents its pattern) that the whole value must match, as an ECMA-262 engine
    reads ``^…$``: "12\\n" is refused."""

    def __call__(self, value: str) -> str:
        if self.regex.fullmatch(value) is None:
            raise ValidationError(self._format_error(value))
        return value


class OrgUnitQuery(PageQuery):
    parent_id = fields.Integer(load_default=None)
    level = fields.String(load_default=None, validate=validate.OneOf(LEVELS))
    q = fields.String(load_default=None, validate=validate.Length(max=50))


class OrgUnitCreate(InputSchema):
    code = fields.String(
        required=True,
        validate=[validate.Length(min=2, max=24), WholeMatch(CODE_PATTERN, error="代码只能由数字 0-9 组成")],
    )
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    level = fields.String(required=True, validate=validate.OneOf(LEVELS))
    parent_id = fields.Integer(required=True)


class OrgUnitUpdate(InputSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
