"""`flask org import`: encodings, line ends, idempotency, all-or-nothing with line numbers."""

import pytest
from sqlalchemy import select

from server.audit_trail import AuditLog
from server.extensions import db
from server.orgunits.models import OrgUnit

GOOD = """code,name,level,parent_code
361130,婺源县,county,
361130100,紫阳镇,township,361130
361130101,清华镇,township,361130
361130100001,绣溪居委会,village,361130100
361130100002,弦高居委会,village,361130100
361130101200,清华村委会,village,361130101
361130101200001,清华村第一网格,grid,361130101200
"""


@pytest.fixture
def run_import(app, tmp_path):
    def run(content: bytes):
        path = tmp_path / "units.csv"
        path.write_bytes(content)
        return app.test_cli_runner().invoke(args=["org", "import", str(path)])

    return run


def units(app) -> dict[str, OrgUnit]:
    with app.app_context():
        return {u.code: (u.name, u.level, u.path, u.id) for u in db.session.scalars(select(OrgUnit))}


def test_import_builds_the_tree_with_paths(app, run_import):
    result = run_import(GOOD.encode())
    assert result.exit_code == 0, result.output
    assert "created 7" in result.output
    tree = units(app)
    assert tree["361130101200001"][2] == "/361130/361130101/361130101200/361130101200001/"
    assert tree["361130100002"][:2] == ("弦高居委会", "village")


@pytest.mark.parametrize(
    "encoding,newline",
    [("utf-8", "\n"), ("utf-8-sig", "\r\n"), ("gb18030", "\r\n"), ("gbk", "\n")],
)
def test_import_reads_excel_encodings_and_line_ends(app, run_import, encoding, newline):
    result = run_import(GOOD.replace("\n", newline).encode(encoding))
    assert result.exit_code == 0, result.output
    assert units(app)["361130100"][0] == "紫阳镇"


def test_import_again_changes_nothing_and_a_rename_keeps_the_id(app, run_import):
    run_import(GOOD.encode())
    before = units(app)
    again = run_import(GOOD.encode())
    assert "created 0, updated 0, unchanged 7" in again.output
    assert units(app) == before
    renamed = run_import(GOOD.replace("紫阳镇", "紫阳街道").encode())
    assert "updated 1" in renamed.output
    after = units(app)
    assert after["361130100"][0] == "紫阳街道" and after["361130100"][3] == before["361130100"][3]
    with app.app_context():
        entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "org_unit.update"))
        assert entry.changes == {"name": ["紫阳镇", "紫阳街道"]}


@pytest.mark.parametrize(
    "bad_line,expected",
    [
        ("361130102,秋口镇,town,361130", "未知的级别"),
        ("361130102001,某村,village,361130999", "都不存在"),
        ("361130100001,重复村,village,361130100", "重复"),
        ("361130102,秋口镇,township,361131", "都不存在"),
        ("361131102,秋口镇,township,361130", "未以上级代码"),
        ("3611301020,秋口镇,township,361130", "应为 9 位"),
        ("36113010200A,某村,village,361130100", "应为数字"),
        ("361130102,,township,361130", "名称不能为空"),
        ("361130102,秋口镇,township", "应有 4 列"),
    ],
)
def test_a_bad_row_imports_nothing_and_names_its_line(app, run_import, bad_line, expected):
    lines = GOOD.strip().split("\n")
    lines.insert(4, bad_line)  # line 5 of the file
    result = run_import(("\n".join(lines) + "\n").encode())
    assert result.exit_code == 1
    assert "第 5 行" in result.output and expected in result.output, result.output
    assert units(app) == {}


def test_a_parent_already_in_the_database_is_accepted(app, run_import):
    run_import(GOOD.encode())
    result = run_import("code,name,level,parent_code\n361130100003,紫阳居委会,village,361130100\n".encode())
    assert result.exit_code == 0, result.output
    assert units(app)["361130100003"][2] == "/361130/361130100/361130100003/"


def test_wrong_header_is_refused(app, run_import):
    result = run_import("编码,名称\n1,2\n".encode())
    assert result.exit_code == 1 and "表头" in result.output


def test_giving_a_root_county_its_province_and_city_moves_the_whole_subtree(app, run_import):
    run_import(GOOD.encode())
    before = units(app)
    upper = "code,name,level,parent_code\n36,江西省,province,\n3611,上饶市,city,36\n361130,婺源县,county,3611\n"
    result = run_import(upper.encode())
    assert result.exit_code == 0, result.output
    after = units(app)
    assert after["361130"][2] == "/36/3611/361130/"
    assert after["361130101200001"][2] == "/36/3611/361130/361130101/361130101200/361130101200001/"
    assert after["361130101200001"][3] == before["361130101200001"][3]


def test_a_large_file_streams_through_and_every_creation_is_audited(app, run_import):
    """3 townships of 400 villages with a grid each: the staging table and the level-by-level upsert build every
    path; one audit row per created unit (written in batches)."""
    lines = ["code,name,level,parent_code", "361130,婺源县,county,"]
    for t in range(1, 4):
        town = f"361130{t:03d}"
        lines.append(f"{town},第{t}镇,township,361130")
        for v in range(1, 401):
            village = f"{town}{v:03d}"
            lines += [f"{village},第{v}村,village,{town}", f"{village}01,第{v}村第一网格,grid,{village}"]
    result = run_import(("\n".join(lines) + "\n").encode("gb18030"))
    assert result.exit_code == 0, result.output
    assert "created 2404, updated 0, unchanged 0" in result.output
    tree = units(app)
    assert tree["36113000340001"][2] == "/361130/361130003/361130003400/36113000340001/"
    with app.app_context():
        audited = db.session.scalars(select(AuditLog.entity_id).where(AuditLog.action == "org_unit.create")).all()
        assert sorted(audited) == sorted(unit[3] for unit in tree.values())
        sample = db.session.scalar(select(AuditLog).where(AuditLog.entity_id == tree["361130003"][3]))
        assert sample.changes == {"code": [None, "361130003"], "name": [None, "第3镇"], "level": [None, "township"]}


def test_a_file_of_the_wrong_shape_names_its_first_bad_lines_and_counts_the_rest(app, run_import):
    lines = ["code,name,level,parent_code", "361130,婺源县,county,"]
    lines += [f"361130{n:03d},第{n}镇,town,361130" for n in range(1, 501)]  # 500 rows with an unknown level
    result = run_import(("\n".join(lines) + "\n").encode())
    assert result.exit_code == 1
    assert "共 500 处错误" in result.output and "第 3 行" in result.output
    assert "另有 300 处错误未列出" in result.output and "第 400 行" not in result.output
    assert units(app) == {}
