"""Request and response shapes of evacuation reports (转移避险) and shelters (避难场所)."""

from marshmallow import Schema, fields, validate

from server.evacuation.models import FACILITIES, SHELTER_KIND_NAMES, SHELTER_KINDS
from server.fields import InputSchema, LocalDateTime, OrgUnitOut, PageQuery, UnitFilter

NOT_NEGATIVE = validate.Range(min=0, error="不能为负数")
WHOLE = {"invalid": "须为整数", "required": "必填"}


def _count(**kw) -> fields.Integer:
    """A person count: a whole number ≥ 0 (strict: "12" or 1.5 are refused, not coerced)."""
    return fields.Integer(strict=True, validate=NOT_NEGATIVE, error_messages=WHOLE, **kw)


class AllocationIn(InputSchema):
    shelter_id = fields.Integer(strict=True, required=True, error_messages=WHOLE)
    persons = _count(required=True)


class EvacuationCreate(InputSchema):
    client_id = fields.UUID(required=True, error_messages={"invalid_uuid": "须为 UUID", "required": "必填"})
    org_unit_id = fields.Integer(strict=True, required=True, error_messages=WHOLE)
    evacuated = _count(load_default=0)  # 紧急避险转移
    centralized = _count(load_default=0)  # 集中安置
    dispersed = _count(load_default=0)  # 分散安置
    returned = _count(load_default=0)  # 已返回
    allocations = fields.List(fields.Nested(AllocationIn), load_default=list, validate=validate.Length(max=100))
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class EvacuationQuery(PageQuery, UnitFilter):
    current = fields.Boolean(load_default=None)


class AllocationOut(Schema):
    shelter_id = fields.Integer()
    shelter_name = fields.String(attribute="shelter.name")
    persons = fields.Integer()


class EvacuationReportOut(Schema):
    id = fields.Integer()
    client_id = fields.String()
    event_id = fields.Integer()
    org_unit_id = fields.Integer()
    org_unit = fields.Nested(OrgUnitOut)
    evacuated = fields.Integer()
    centralized = fields.Integer()
    dispersed = fields.Integer()
    returned = fields.Integer()
    displaced = fields.Method("_displaced")  # 当前在外 = evacuated − returned
    allocations = fields.List(fields.Nested(AllocationOut))
    note = fields.String()
    current = fields.Boolean()
    submitted_by = fields.Integer(attribute="submitted_by_id")
    submitted_by_name = fields.String(attribute="submitted_by.name")
    submitted_at = LocalDateTime()

    def _displaced(self, report) -> int:
        return report.evacuated - report.returned


class CapacityWarning(Schema):
    shelter_id = fields.Integer()
    message = fields.String()


class EvacuationSubmitOut(EvacuationReportOut):
    """The submitted report and the capacity warnings of this submit (dumped from the service's ``Submission``)."""

    warnings = fields.List(fields.Nested(CapacityWarning), required=True)


class ShelterCreate(InputSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100, error="长度须在 1 到 100 之间"))
    org_unit_id = fields.Integer(strict=True, required=True, error_messages=WHOLE)
    kind = fields.String(required=True, validate=validate.OneOf(SHELTER_KINDS, error="类型须为 {choices} 之一"))
    capacity = _count(required=True)  # persons
    area_m2 = fields.Decimal(
        places=2, allow_none=True, load_default=None, validate=NOT_NEGATIVE, error_messages={"invalid": "须为数字"}
    )
    lat = fields.Float(
        allow_none=True, load_default=None, validate=validate.Range(min=-90, max=90, error="纬度须在 -90 到 90 之间")
    )
    lon = fields.Float(
        allow_none=True,
        load_default=None,
        validate=validate.Range(min=-180, max=180, error="经度须在 -180 到 180 之间"),
    )
    address = fields.String(load_default="", validate=validate.Length(max=200))
    facilities = fields.List(
        fields.String(validate=validate.OneOf(FACILITIES, error="设施须为 {choices} 之一")), load_default=list
    )


class ShelterUpdate(ShelterCreate):
    """Every field optional (loaded with partial=True); ``active`` False takes a shelter out of use."""

    active = fields.Boolean()


class ShelterQuery(PageQuery, UnitFilter):
    active = fields.Boolean(load_default=None)


class ShelterOut(Schema):
    id = fields.Integer()
    name = fields.String()
    org_unit_id = fields.Integer()
    org_unit = fields.Nested(OrgUnitOut)
    kind = fields.String()
    kind_name = fields.Method("_kind_name")
    capacity = fields.Integer()
    # a decimal string ("120.50"), as areas and money are everywhere in the API
    area_m2 = fields.Decimal(
        places=2, as_string=True, allow_none=True, metadata={"type": "string", "format": "decimal"}
    )
    lat = fields.Float(allow_none=True)
    lon = fields.Float(allow_none=True)
    address = fields.String()
    facilities = fields.List(fields.String())
    active = fields.Boolean()
    occupancy = fields.Method("_occupancy")  # persons placed here now
    over_capacity = fields.Method("_over_capacity")
    created_at = LocalDateTime()
    updated_at = LocalDateTime()

    def _kind_name(self, shelter) -> str:
        return SHELTER_KIND_NAMES.get(shelter.kind, shelter.kind)

    def _occupancy(self, shelter) -> int:
        return int(shelter.occupancy or 0)

    def _over_capacity(self, shelter) -> bool:
        return int(shelter.occupancy or 0) > shelter.capacity
