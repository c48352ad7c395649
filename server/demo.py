"""A demo county (婺源县, real 统计用区划代码) with users of each role at each level, and a little data.

Features add their own demo data with a ``demo.seed(context)`` module (see ``FEATURE_SEEDS``).
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass, field

from sqlalchemy import select

from server.extensions import db
from server.orgunits.importer import import_units
from server.orgunits.models import OrgUnit
from server.users.models import User
from server.users.service import create_user

DEMO_PASSWORD = "demo-2026"

UNITS_CSV = """code,name,level,parent_code
36,江西省,province,
3611,上饶市,city,36
361130,婺源县,county,3611
361130001,蚺城街道,township,361130
361130100,紫阳镇,township,361130
361130101,清华镇,township,361130
361130102,秋口镇,township,361130
361130001001,蚺城居委会,village,361130001
361130001002,花园域居委会,village,361130001
361130001003,涵春居委会,village,361130001
361130001004,儒学前居委会,village,361130001
361130100001,绣溪居委会,village,361130100
361130100002,弦高居委会,village,361130100
361130100003,紫阳居委会,village,361130100
361130100009,武口居委会,village,361130100
361130101001,新街居委会,village,361130101
361130101002,横街居委会,village,361130101
361130101003,长林居委会,village,361130101
361130101200,清华村委会,village,361130101
361130102200,秋口村委会,village,361130102
361130102201,白石村委会,village,361130102
361130102202,王村村委会,village,361130102
361130102203,李坑村委会,village,361130102
361130102200001,秋口村第一网格,grid,361130102200
361130102200002,秋口村第二网格,grid,361130102200
361130102200003,秋口村第三网格,grid,361130102200
"""

# (username, role, unit code, display name)
USERS = [
    ("county_reviewer", "reviewer", "361130", "县应急局 王审核"),
    ("county_viewer", "viewer", "361130", "县领导 李查看"),
    ("county_admin", "admin", "361130", "县应急局 系统管理员"),
    ("county_reporter", "reporter", "361130", "县应急局 值班员"),
    ("town_reviewer", "reviewer", "361130102", "秋口镇应急所 张审核"),
    ("town_viewer", "viewer", "361130102", "秋口镇 领导"),
    ("town_admin", "admin", "361130102", "秋口镇 管理员"),
    ("town_reporter", "reporter", "361130102", "秋口镇 信息员"),
    ("town2_reviewer", "reviewer", "361130100", "紫阳镇应急所 审核员"),
    ("village_reporter", "reporter", "361130102200", "秋口村 灾害信息员"),
    ("village_reviewer", "reviewer", "361130102200", "秋口村 村主任"),
    ("village_viewer", "viewer", "361130102200", "秋口村 支书"),
    ("village_admin", "admin", "361130102200", "秋口村 管理员"),
    ("village2_reporter", "reporter", "361130102201", "白石村 灾害信息员"),
    ("grid_reporter", "reporter", "361130102200001", "秋口村第一网格 网格员"),
]

FEATURE_SEEDS = (
    "server.events.demo",
    "server.damage.demo",
    "server.rollup.demo",
    "server.hazards.demo",
    "server.warnings.demo",
)


@dataclass
class DemoContext:
    units: dict[str, OrgUnit] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)


def seed() -> list[tuple[str, str, str]]:
    """Idempotent: a second run changes nothing and returns no logins."""
    if db.session.scalar(select(User.id).where(User.username == USERS[0][0])) is not None:
        return []
    import_units(UNITS_CSV.encode())
    db.session.flush()
    context = DemoContext(units={u.code: u for u in db.session.scalars(select(OrgUnit))})
    logins = []
    for username, role, code, name in USERS:
        unit = context.units[code]
        context.users[username] = create_user(
            actor=None, username=username, role=role, org_unit=unit, password=DEMO_PASSWORD, name=name
        )
        logins.append((username, role, f"{unit.code} {unit.name}"))
    for module_name in FEATURE_SEEDS:
        if importlib.util.find_spec(module_name) is not None:
            importlib.import_module(module_name).seed(context)
    db.session.flush()
    return logins
