from marshmallow import Schema, fields


class SettingsOut(Schema):
    map_tile_url = fields.String(
        allow_none=True,
        metadata={
            "description": "Leaflet tile URL template ({z}/{x}/{y}, {s}); null: no tiles, points over an outline"
        },
    )
    map_tile_subdomains = fields.String(metadata={"description": "what {s} in the template takes, e.g. 01234567"})
    map_attribution = fields.String(metadata={"description": "the tile provider's credit shown on the map"})
    final_report_days = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        metadata={"description": "灾种 → days the villages have for the 核报 once an event is stable"},
    )
