"""One way to do each thing (issue 9): no second implementation of idempotent creation, optimistic locking or
local-time output appears in server/.

Read from the source (ast), like tests/test_import_layers.py:

- savepoints (``begin_nested``, ``begin(nested=True)``, hand-written ``SAVEPOINT``/``ROLLBACK TO`` SQL) live only in
  server/idempotency.py, whose ``insert_unless_taken`` is the one "insert under a unique key, and tell the caller
  it lost" step;
- a conditional UPDATE on ``version`` (``.where(… .version == …)``) lives only in server/locking.py ``claim``;
- local time is formatted only in server/fields.py (server/clock.py converts): no ``strftime``, no ``%`` format
  spec in an f-string or format string, no hand-assembled date from ``.year``/``.month``/… in an f-string, no
  ``to_local`` (the conversion the formatters use), no ``ZoneInfo`` of a zone of our own.

A genuinely different use goes into the allow-lists below with the reason.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator
from pathlib import Path

SERVER = Path(__file__).resolve().parent.parent / "server"

SAVEPOINTS_ALLOWED = {"idempotency.py": "the one savepoint: insert_unless_taken"}
VERSION_CLAIMS_ALLOWED = {"locking.py": "the one optimistic lock: claim"}
LOCAL_TIME_ALLOWED = {
    "fields.py": "the one local-time output",
    "clock.py": "the clock and the conversion to TIMEZONE",
    # Input, not output: a camera writes EXIF DateTimeOriginal in its own wall-clock time, read in the zone given.
    "photos/exif.py": "EXIF times parsed in a zone (ZoneInfo): input, not output",
}

# (module, enclosing function) → why this step must be durable before the request's own commit.
COMMITS_ALLOWED = {
    ("api.py", "in_transaction.wrapper"): "the transaction's owner: the one commit of every API request",
    ("photos/routes.py", "_add_photo"): "ends the read before the photo is decoded, so no database lock is held",
    ("sms/routes.py", "inbound"): "the message and its record stand before the reply is sent to the phone",
    ("warnings/escalation.py", "deliver_pending"): "flask warnings escalate (CLI): one transaction per delivery",
    ("warnings/escalation.py", "run"): "flask warnings escalate (CLI): the escalations stand before delivery",
}
# Command-line modules: each command owns its transactions (no request around it).
COMMIT_MODULES_ALLOWED = {"cli.py": "flask commands (org import, users create, demo seed)"}

_SQL_SAVEPOINT = re.compile(r"^\s*(SAVEPOINT|RELEASE\s+SAVEPOINT|ROLLBACK\s+TO)\b", re.IGNORECASE)
_FORMAT_DIRECTIVE = re.compile(r"\{[^{}]*:[^{}]*%[a-zA-Z]")
_DATE_PARTS = {"year", "month", "day", "hour", "minute", "second"}


def _name(node: ast.AST) -> str | None:
    """``f`` of ``f(…)`` or ``x.f(…)``."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _text(node: ast.AST) -> str | None:
    """The literal text at the start of a string constant or f-string."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
        return str(node.values[0].value)
    return None


def savepoints(tree: ast.AST) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _name(node.func)
            if name == "begin_nested":
                yield node.lineno, "begin_nested()"
            elif name == "begin" and any(k.arg == "nested" for k in node.keywords):
                yield node.lineno, "begin(nested=…)"
        text = _text(node)
        if text is not None and _SQL_SAVEPOINT.match(text):
            yield node.lineno, f"SQL {text.strip()[:30]!r}"


def version_claims(tree: ast.AST) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _name(node.func) == "where":
            for arg in node.args:
                for part in ast.walk(arg):
                    if (
                        isinstance(part, ast.Compare)
                        and isinstance(part.left, ast.Attribute)
                        and part.left.attr == "version"
                        and any(isinstance(op, ast.Eq) for op in part.ops)
                    ):
                        yield part.lineno, f"where({ast.unparse(part)})"


def local_time_formatting(tree: ast.AST) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _name(node.func)
            if name in ("strftime", "to_local", "ZoneInfo"):
                yield node.lineno, f"{name}()"
        elif isinstance(node, ast.FormattedValue):
            spec = node.format_spec
            if spec is not None and "%" in ast.unparse(spec):
                yield node.lineno, f"f-string {{{ast.unparse(node.value)}:%…}}"
            if isinstance(node.value, ast.Attribute) and node.value.attr in _DATE_PARTS:
                yield node.lineno, f"f-string {{{ast.unparse(node.value)}}}"
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and _FORMAT_DIRECTIVE.search(node.value):
            yield node.lineno, f"format string {node.value[:30]!r}"


def commits(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """Every ``….commit()`` call, named by its enclosing function (dotted for nested ones); calls inside a click
    command (a function decorated with ``….command(…)``) are left out: a command is not a request."""

    def visit(node: ast.AST, scope: tuple[str, ...]) -> Iterator[tuple[int, str]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                if any(_name(d.func if isinstance(d, ast.Call) else d) == "command" for d in child.decorator_list):
                    continue
                yield from visit(child, (*scope, child.name))
                continue
            if isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute) and child.func.attr == "commit":
                yield child.lineno, ".".join(scope) or "<module>"
            yield from visit(child, scope)

    yield from visit(tree, ())


def _commented(lines: list[str], line: int) -> bool:
    """A comment on the commit's line or on the line just above it."""
    return "#" in lines[line - 1] or lines[line - 2].strip().startswith("#")


def _offenders(check: Callable[[ast.AST], Iterator[tuple[int, str]]], allowed: dict[str, str]) -> list[str]:
    found = []
    for path in sorted(SERVER.rglob("*.py")):
        relative = path.relative_to(SERVER).as_posix()
        if relative in allowed:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found.extend(f"server/{relative}:{line}: {what}" for line, what in check(tree))
    return found


def test_savepoints_only_in_the_idempotency_module():
    offenders = _offenders(savepoints, SAVEPOINTS_ALLOWED)
    assert not offenders, "insert under a unique key with idempotency.insert_unless_taken instead:\n" + "\n".join(
        offenders
    )


def test_conditional_updates_on_version_only_in_the_lock():
    offenders = _offenders(version_claims, VERSION_CLAIMS_ALLOWED)
    assert not offenders, "claim the version with locking.claim instead:\n" + "\n".join(offenders)


def test_local_time_is_formatted_only_in_fields():
    offenders = _offenders(local_time_formatting, LOCAL_TIME_ALLOWED)
    assert not offenders, "format local time with a server/fields.py function instead:\n" + "\n".join(offenders)


def test_commits_only_where_a_step_must_be_durable_first():
    offenders, unexplained, seen = [], [], set()
    for path in sorted(SERVER.rglob("*.py")):
        relative = path.relative_to(SERVER).as_posix()
        if relative in COMMIT_MODULES_ALLOWED:
            continue
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        for line, function in commits(ast.parse(source)):
            where = f"server/{relative}:{line}: commit() in {function}"
            if (relative, function) not in COMMITS_ALLOWED:
                offenders.append(where)
                continue
            seen.add((relative, function))
            if not _commented(lines, line):
                unexplained.append(where)
    assert not offenders, (
        "the request's transaction is committed by server/api.py in_transaction (services flush); a step that must "
        "be durable before the next goes into COMMITS_ALLOWED with its reason:\n" + "\n".join(offenders)
    )
    assert not unexplained, "say at the commit why it must come first:\n" + "\n".join(unexplained)
    assert seen == set(COMMITS_ALLOWED), f"allowed commits that no longer exist: {set(COMMITS_ALLOWED) - seen}"


def role_literals(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """``bp.roles(…)`` given anything but one rule's name (``bp.roles("reporter")``, ``bp.roles(*ROLES)``)."""
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "roles"):
            continue
        if len(node.args) != 1 or not isinstance(node.args[0], ast.Name) or node.keywords:
            yield node.lineno, ast.unparse(node)


def test_routes_name_the_rule_their_feature_declares():
    offenders = _offenders(role_literals, {})
    assert not offenders, "declare a Rule in the feature's access.py and name it in bp.roles:\n" + "\n".join(offenders)


def test_the_checks_see_what_they_look_for():
    """Each check finds the hand-made versions this repository once had."""
    hand_made_savepoints = ast.parse(
        "with db.session.begin_nested():\n    db.session.flush()\n"
        "conn.exec_driver_sql(f'SAVEPOINT {name}')\n"
        "conn.exec_driver_sql('rollback to sp1')\n"
        "db.session.begin(nested=True)\n"
        '"""A docstring that talks about a SAVEPOINT is no savepoint."""\n'
    )
    assert sorted({line for line, _ in savepoints(hand_made_savepoints)}) == [1, 3, 4, 5]

    hand_made_lock = ast.parse(
        "db.session.execute(update(Hazard).where(Hazard.id == i, Hazard.version == seen).values(version=seen + 1))\n"
        "if version is not None and version != hazard.version: pass\n"
    )
    assert sorted({line for line, _ in version_claims(hand_made_lock)}) == [1]

    hand_made_local_times = ast.parse(
        "t = clock.to_local(value)\n"
        "a = f'{t.year}年{t.month}月{t.day}日'\n"
        "b = f'未在 {due:%m-%d %H:%M} 前叫应'\n"
        "c = value.strftime('%Y-%m-%d')\n"
        "d = '{:%Y%m%d}'.format(value)\n"
        "e = ZoneInfo('Asia/Shanghai')\n"
        "f = f'{hazard_id:06d} {count} {timedelta.days}'\n"
    )
    assert sorted({line for line, _ in local_time_formatting(hand_made_local_times)}) == [1, 2, 3, 4, 5, 6]

    hand_made_commits = ast.parse(
        "def create(data):\n    db.session.commit()\n"
        "def outer():\n    def wrapper():\n        session.commit()\n"
        "@bp.cli.command('gc')\ndef gc():\n    db.session.commit()\n"
        "@click.command\ndef seed():\n    db.session.commit()\n"
        "db.session.flush()\n"
    )
    assert list(commits(hand_made_commits)) == [(2, "create"), (5, "outer.wrapper")]

    hand_made_roles = ast.parse(
        "@bp.roles('reporter')\ndef a(): pass\n"
        "@bp.roles(*ISSUE_ROLES)\ndef b(): pass\n"
        "@bp.roles(FILE_REPORTS)\ndef c(): pass\n"
    )
    assert sorted({line for line, _ in role_literals(hand_made_roles)}) == [1, 3]
