"""A scripted reporting run over the real 婺源县 (212 villages): does the chain add up?

Imports the county from ``/work/shared/data/divisions/seed-counties.csv`` (skips with a message if the file is
absent), then drives the HTTP API in-process (Flask test client), with the clock set for each step:

1. the county opens a flood event (山区洪水) at 10:00;
2. most villages file an initial report (初报) within 60 minutes, some late, some zero reports (零报告), some never;
3. township reviewers approve most reports and return some with a reason; some returned villages file again;
4. the next morning villages file updates (续报) by 08:00, some after 08:00; some updates are returned;
5. villages report evacuation counts; townships sign off (乡镇上报) and the county accepts;
6. the event becomes stable; villages file finals (核报), some after the 2-day deadline.

At the end it compares, against an independent computation in plain Python from what the API accepted: the county
and every township roll-up (figures, evacuation, completeness), the names of the villages that never reported,
each village's deadline status, and the 合计 row of the XLSX export read back with openpyxl.

Run: ``.venv/bin/python bench/wuyuan_run.py [--seed N] [--database-url URL] [--no-write]``; the outcome goes to
BENCHMARKS.md under ``## 婺源县 scripted run`` (only that section is rewritten). Exit status 1 if anything differs.
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from sections import write_section  # bench/ is the script directory

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SEED_CSV = Path("/work/shared/data/divisions/seed-counties.csv")
COUNTY_CODE = "361130"  # 婺源县
SECTION = "## 婺源县 scripted run"
PASSWORD = "wuyuan-run-2026"
SH = ZoneInfo("Asia/Shanghai")
API = "/api/v1"
PEOPLE = ("deaths", "missing", "injured", "needing_aid")
RECONCILED = (
    "deaths",
    "missing",
    *(f"houses_{c}_{p}" for c in ("collapsed", "severe", "general") for p in ("households", "rooms")),
)


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 7, day, hour, minute, tzinfo=SH)


@dataclass
class Village:
    id: int
    code: str
    name: str
    township_id: int
    reports: list[dict] = field(default_factory=list)  # accepted reports in filing order
    evacuation: dict | None = None

    def alive(self) -> list[dict]:
        return [r for r in self.reports if r["status"] != "returned"]

    def current(self) -> dict | None:
        alive = self.alive()
        return alive[-1] if alive else None


class Run:
    def __init__(self, app, seed: int):
        from server import clock

        self.app, self.clock, self.rng = app, clock, random.Random(seed)
        self.clients: dict[int, tuple] = {}
        self.counts = {
            "reports": 0,
            "initial": 0,
            "update": 0,
            "final": 0,
            "zero": 0,
            "returned": 0,
            "approved": 0,
            "evacuations": 0,
            "signoffs": 0,
        }
        self.problems: list[str] = []

    # --- set-up ---------------------------------------------------------------------------------------------

    def setup(self) -> None:
        from server.extensions import db
        from server.orgunits.importer import import_units
        from server.orgunits.models import OrgUnit
        from server.users.models import User
        from server.users.passwords import hash_password

        lines = SEED_CSV.read_text(encoding="utf-8-sig").splitlines()
        rows = [lines[0]] + [line for line in lines[1:] if line.startswith(COUNTY_CODE)]
        with self.app.app_context():
            import_units(("\n".join(rows) + "\n").encode())
            db.session.commit()
            units = list(db.session.scalars(db.select(OrgUnit).order_by(OrgUnit.code)))
            self.county = next(u for u in units if u.level == "county")
            self.townships = {u.id: (u.code, u.name) for u in units if u.level == "township"}
            self.villages = [Village(u.id, u.code, u.name, u.parent_id) for u in units if u.level == "village"]
            password = hash_password(PASSWORD)
            users = [("county_reviewer", "reviewer", self.county.id)]
            users += [(f"town_{code}", "reviewer", tid) for tid, (code, _) in self.townships.items()]
            users += [(f"village_{v.code}", "reporter", v.id) for v in self.villages]
            for username, role, unit_id in users:
                db.session.add(
                    User(username=username, name=username, role=role, org_unit_id=unit_id, password_hash=password)
                )
            db.session.commit()
            self.county_id = self.county.id

    def client(self, username: str):
        if username not in self.clients:
            client = self.app.test_client()
            response = client.post(f"{API}/auth/login", json={"username": username, "password": PASSWORD})
            assert response.status_code == 200, response.get_json()
            self.clients[username] = (client, response.get_json()["csrf_token"])
        return self.clients[username]

    def post(self, username: str, url: str, body: dict, at: datetime, expect=(200, 201)):
        self.clock.set_now(at)
        client, token = self.client(username)
        response = client.post(API + url, json=body, headers={"X-CSRF-Token": token})
        if response.status_code not in expect:
            raise AssertionError(f"POST {url} → {response.status_code} {response.get_json()}")
        return response.get_json()

    def get(self, username: str, url: str):
        client, _ = self.client(username)
        response = client.get(API + url)
        assert response.status_code == 200, (url, response.status_code, response.get_data(as_text=True)[:300])
        return response

    # --- figures --------------------------------------------------------------------------------------------

    def figures(self, base: dict | None) -> dict:
        """Valid cumulative figures (every PRODUCT.md rule holds), never below ``base``."""
        rng, base = self.rng, base or {}
        out = {key: int(base.get(key, 0)) + rng.choice([0, 0, 0, 1, 2, 5]) for key in PEOPLE}
        centralized = int(base.get("relocated_centralized", 0)) + rng.randint(0, 40)
        dispersed = int(base.get("relocated_dispersed", 0)) + rng.randint(0, 40)
        out.update(relocated=centralized + dispersed, relocated_centralized=centralized, relocated_dispersed=dispersed)
        # 受灾人口 covers every other people count; cumulative, so never below the last report.
        out["affected_population"] = max(
            int(base.get("affected_population", 0)) + rng.randint(0, 300), *(out[key] for key in (*PEOPLE, "relocated"))
        )
        for cls in ("collapsed", "severe", "general"):
            households = int(base.get(f"houses_{cls}_households", 0)) + rng.randint(0, 3)
            rooms = max(int(base.get(f"houses_{cls}_rooms", 0)), households) + rng.randint(0, 4)
            out[f"houses_{cls}_households"], out[f"houses_{cls}_rooms"] = households, rooms
        # Deaths, missing and the house counts must equal the village's ledgers (台账) on a 核报; this run files no
        # ledger rows, so it reports none of them (the roll-up sums of the other indicators are compared).
        for key in RECONCILED:
            out[key] = 0
        lost = Decimal(base.get("crops_lost_ha", 0)) + Decimal(rng.randint(0, 500)) / 100
        damaged = max(Decimal(base.get("crops_damaged_ha", 0)), lost) + Decimal(rng.randint(0, 900)) / 100
        affected_ha = max(Decimal(base.get("crops_affected_ha", 0)), damaged) + Decimal(rng.randint(0, 2000)) / 100
        out.update(crops_affected_ha=affected_ha, crops_damaged_ha=damaged, crops_lost_ha=lost)
        out["direct_loss_10k_yuan"] = Decimal(base.get("direct_loss_10k_yuan", 0)) + Decimal(rng.randint(0, 9999)) / 100
        return out

    def file(self, village: Village, stage: str, at: datetime, zero: bool = False) -> dict:
        current = village.current()
        figures = {} if zero else self.figures(current["figures"] if current else None)
        body = {
            "client_id": str(uuid.uuid4()),
            "org_unit_id": village.id,
            "stage": stage,
            "figures": {k: (f"{v:.2f}" if isinstance(v, Decimal) else v) for k, v in figures.items()},
            "note": "零报告" if zero else "",
            "change_note": "",
        }
        report = self.post(f"village_{village.code}", f"/events/{self.event_id}/damage-reports", body, at)
        village.reports.append(
            {
                "id": report["id"],
                "stage": stage,
                "figures": figures,
                "status": "submitted",
                "at": at,
                "version": report.get("version", 1),
            }
        )
        self.counts["reports"] += 1
        self.counts[stage] += 1
        self.counts["zero"] += zero
        return report

    def review(self, village: Village, decision: str, at: datetime) -> None:
        report = village.current()
        if report is None or report["status"] != "submitted":
            return
        township_code = self.townships[village.township_id][0]
        body = {"decision": decision, "comment": "数据与现场核查不符，请核实后重报" if decision == "return" else ""}
        self.post(f"town_{township_code}", f"/damage-reports/{report['id']}/review", body, at)
        report["status"] = "returned" if decision == "return" else "approved"
        self.counts["returned" if decision == "return" else "approved"] += 1

    # --- the run --------------------------------------------------------------------------------------------

    def play(self) -> None:
        rng = self.rng
        event = self.post(
            "county_reviewer",
            "/events",
            {
                "name": "婺源县 7·1 山洪",
                "disaster_type": "洪涝",
                "disaster_subtype": "山区洪水",
                "started_at": local(1, 10).isoformat(),
                "org_unit_id": self.county_id,
                "drill": False,
            },
            local(1, 10),
        )
        self.event_id = event["id"]
        villages = list(self.villages)
        rng.shuffle(villages)
        silent = set(v.id for v in villages[: max(1, len(villages) * 8 // 100)])  # never report
        zero = set(v.id for v in villages[len(silent) : len(silent) + len(villages) * 15 // 100])
        reporting = [v for v in villages if v.id not in silent]

        # 初报: within 60 minutes, one in ten late. Filed in time order, as the server would receive them.
        initial_times = {
            v.id: local(1, 10) + timedelta(minutes=rng.randint(75, 150) if rng.random() < 0.1 else rng.randint(3, 58))
            for v in reporting
        }
        for v in sorted(reporting, key=lambda v: initial_times[v.id]):
            self.file(v, "initial", initial_times[v.id], zero=v.id in zero)

        # Township review in the afternoon: most approved, some returned; half of those file again.
        refile = []
        for v in reporting:
            roll = rng.random()
            if roll < 0.08:
                self.review(v, "return", local(1, 15))
                if rng.random() < 0.5:
                    refile.append(v)
            elif roll < 0.85:
                self.review(v, "approve", local(1, 15))
        for minute, v in enumerate(refile):
            self.file(v, "initial", local(1, 17, minute % 60), zero=v.id in zero)

        # 续报 by 08:00 the next morning; some after 08:00; villages whose initial stands.
        update_times = {
            v.id: local(2, 8, rng.randint(5, 50)) if rng.random() < 0.1 else local(2, 6, rng.randint(0, 59))
            for v in reporting
            if v.current() is not None and rng.random() >= 0.2
        }
        updating = sorted((v for v in reporting if v.id in update_times), key=lambda v: update_times[v.id])
        for v in updating:
            self.file(v, "update", update_times[v.id], zero=v.id in zero)
        for v in updating:
            if rng.random() < 0.06:
                self.review(v, "return", local(2, 11))  # the village's previous report counts again
            elif rng.random() < 0.7:
                self.review(v, "approve", local(2, 11))

        # 转移避险: a third of the reporting villages.
        for minute, v in enumerate(reporting[: len(reporting) // 3]):
            evacuated = rng.randint(0, 200)
            centralized = rng.randint(0, evacuated)
            body = {
                "client_id": str(uuid.uuid4()),
                "org_unit_id": v.id,
                "evacuated": evacuated,
                "centralized": centralized,
                "dispersed": evacuated - centralized,
                "returned": rng.randint(0, evacuated),
                "allocations": [],
                "note": "",
            }
            self.post(f"village_{v.code}", f"/events/{self.event_id}/evacuations", body, local(2, 12, minute % 60))
            v.evacuation = body
            self.counts["evacuations"] += 1

        # 乡镇上报: every township signs off at 14:00; the county accepts them all.
        for tid, (code, _) in self.townships.items():
            signoff = self.post(
                f"town_{code}",
                f"/events/{self.event_id}/signoffs",
                {"org_unit_id": tid, "note": "已核实"},
                local(2, 14),
            )
            self.post("county_reviewer", f"/signoffs/{signoff['id']}/review", {"decision": "accept"}, local(2, 15))
            self.counts["signoffs"] += 1

        # Stable on day 3 at 12:00 → finals due by day 5 12:00; some on time, some late.
        self.post("county_reviewer", f"/events/{self.event_id}/status", {"status": "stable"}, local(3, 12))
        finals = []
        for v in reporting:
            if v.current() is None or v.current()["stage"] == "final" or rng.random() < 0.4:
                continue
            finals.append((local(5, 13, rng.randint(0, 50)) if rng.random() < 0.1 else local(4, rng.randint(8, 20)), v))
        for at, v in sorted(finals, key=lambda pair: pair[0]):
            self.file(v, "final", at, zero=v.id in zero and not any(v.current()["figures"].values()))
        self.checked_at = local(5, 14)
        self.final_due = local(5, 12)

    # --- the independent computation and the comparison -----------------------------------------------------

    def expected(self, villages: list[Village]) -> dict:
        from server.damage.indicators import INDICATORS

        # A flood's roll-up serves no drought figures (indicators ``only_for`` another disaster type).
        figures = {i.key: Decimal("0") if i.decimal else 0 for i in INDICATORS if i.only_for in (None, "洪涝")}
        evacuation = {"evacuated": 0, "centralized": 0, "dispersed": 0, "returned": 0}
        reported = zero = unreviewed = 0
        for v in villages:
            current = v.current()
            if current is not None:
                reported += 1
                zero += not any(current["figures"].values())
                unreviewed += current["status"] == "submitted"
                for key in figures:
                    figures[key] += current["figures"].get(key, 0)
            if v.evacuation:
                for key in evacuation:
                    evacuation[key] += v.evacuation[key]
        evacuation["displaced_now"] = evacuation["evacuated"] - evacuation["returned"]
        return {
            "figures": {k: f"{v:.2f}" if isinstance(v, Decimal) else v for k, v in figures.items()},
            "evacuation": evacuation,
            "reporting": {
                "expected": len(villages),
                "reported": reported,
                "zero": zero,
                "missing": len(villages) - reported,
                "unreviewed": unreviewed,
            },
        }

    def compare(self, label: str, got: dict, want: dict) -> None:
        for part in ("figures", "evacuation"):
            # Compared over the expected keys: the served figures also carry the ledgers' transitional_aid.
            diff = {k: (got[part].get(k), v) for k, v in want[part].items() if got[part].get(k) != v}
            if diff:
                self.problems.append(f"{label} {part}: {diff}")
        for key, value in want["reporting"].items():
            if got["reporting"][key] != value:
                self.problems.append(f"{label} reporting.{key}: got {got['reporting'][key]}, want {value}")

    def deadline_status(self, v: Village) -> str:
        """Final obligation after its deadline: on time with a final by the deadline, late otherwise."""
        if v.current() is None:
            return "missing"
        finals = [r for r in v.alive() if r["stage"] == "final" and r["at"] <= self.final_due]
        return "on_time" if finals else "late"

    def check(self) -> dict:
        self.clock.set_now(self.checked_at)
        county = self.get("county_reviewer", f"/events/{self.event_id}/rollup").get_json()
        self.compare("county", county, self.expected(self.villages))
        want_missing = sorted(v.code for v in self.villages if v.current() is None)
        got_missing = [u["code"] for u in county["reporting"]["missing_units"]]
        if got_missing != want_missing:
            self.problems.append(f"missing villages: got {got_missing}, want {want_missing}")
        by_township = {tid: [v for v in self.villages if v.township_id == tid] for tid in self.townships}
        for child in county["children"]:
            tid = child["org_unit"]["id"]
            self.compare(f"county child {child['org_unit']['name']}", child, self.expected(by_township[tid]))
        for tid, (code, name) in self.townships.items():
            town = self.get(f"town_{code}", f"/events/{self.event_id}/rollup").get_json()
            self.compare(name, town, self.expected(by_township[tid]))
            town_missing = sorted(v.code for v in by_township[tid] if v.current() is None)
            if [u["code"] for u in town["reporting"]["missing_units"]] != town_missing:
                self.problems.append(f"{name} missing villages differ")

        deadlines = self.get("county_reviewer", f"/events/{self.event_id}/deadlines").get_json()
        got_status = {u["org_unit"]["id"]: u["status"] for u in deadlines["units"]}
        want_status = {v.id: self.deadline_status(v) for v in self.villages}
        wrong = [v.name for v in self.villages if got_status.get(v.id) != want_status[v.id]]
        if wrong:
            self.problems.append(f"deadline status differs for {len(wrong)} villages: {wrong[:5]}")

        xlsx_total = self.xlsx_total()
        return {"county": county, "deadlines": deadlines, "xlsx": xlsx_total}

    def xlsx_total(self) -> str:
        response = self.get("county_reviewer", f"/events/{self.event_id}/rollup.xlsx")
        try:
            import openpyxl
        except ImportError:
            return "openpyxl not installed: XLSX not read back"
        from server.damage.indicators import INDICATORS

        sheet = openpyxl.load_workbook(io.BytesIO(response.get_data()), read_only=True).active
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
        headers, total = rows[0], next(row for row in rows if row[0] == "合计")
        want = self.expected(self.villages)["figures"]
        compared = [i for i in INDICATORS if i.only_for in (None, "洪涝")]  # no drought figures in a flood
        for indicator in compared:
            cell = total[headers.index(indicator.header)]
            got = f"{Decimal(str(cell)):.2f}" if indicator.decimal else int(cell)
            if got != want[indicator.key]:
                self.problems.append(f"XLSX 合计 {indicator.header}: got {got}, want {want[indicator.key]}")
        return f"XLSX read back: {len(rows) - 2} township rows + 合计; totals compared for {len(compared)} indicators"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=20260701)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file in a temp dir")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--quick", action="store_true", help="the same run without the BENCHMARKS.md update")
    args = parser.parse_args()
    args.no_write = args.no_write or args.quick
    if not SEED_CSV.exists():
        print(f"wuyuan_run: {SEED_CSV} not found; skipped")
        return 0

    import flask_migrate

    from server import clock, create_app

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/wuyuan.db"
        app = create_app(
            {
                "DATABASE_URL": url,
                "SECRET_KEY": "wuyuan-run",
                "TESTING": True,
                "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                "MEDIA_DIR": f"{tmp}/media",
            }
        )
        with app.app_context():
            flask_migrate.upgrade()
        started = time.perf_counter()
        run = Run(app, args.seed)
        try:
            run.setup()
            run.play()
            outcome = run.check()
        finally:
            clock.set_now(None)
        elapsed = time.perf_counter() - started
        with app.app_context():
            from server.extensions import db

            db.engine.dispose()

    reporting = outcome["county"]["reporting"]
    summary = (
        f"{len(run.villages)} villages in {len(run.townships)} townships; {run.counts['reports']} damage reports "
        f"({run.counts['initial']} initial, {run.counts['update']} update, {run.counts['final']} final, "
        f"{run.counts['zero']} zero), {run.counts['returned']} returned, {run.counts['approved']} approved, "
        f"{run.counts['evacuations']} evacuation reports, {run.counts['signoffs']} township sign-offs accepted; "
        f"county roll-up: {reporting['reported']} reported, {reporting['zero']} zero, {reporting['missing']} missing, "
        f"{reporting['unreviewed']} unreviewed, {reporting['late']} late; deadlines "
        f"{outcome['deadlines']['counts']}; {outcome['xlsx']}; {elapsed:.1f} s"
    )
    print(summary)
    print("OK: every comparison matched" if not run.problems else "DIFFERENCES:\n  " + "\n  ".join(run.problems))
    if not args.no_write:
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
        verdict = "every comparison matched" if not run.problems else f"{len(run.problems)} differences"
        lines = [
            SECTION,
            "",
            f"`bench/wuyuan_run.py --seed {args.seed}`, {stamp}, {backend}: the real 婺源县 from "
            "`seed-counties.csv`, driven through the HTTP API (test client) with the clock set per step: "
            "initial reports (some late, some zero, some never), township approvals and returns (some villages "
            "refile), next-morning updates (some after 08:00, some returned), evacuation counts, township "
            "sign-offs accepted by the county, stable, finals (some after the 2-day deadline).",
            "",
            f"- Filed: {summary}.",
            "- Compared against an independent Python computation from what the API accepted: the county roll-up "
            "and its 17 township children, each township's own roll-up (figures, evacuation, expected / reported / "
            "zero / missing / unreviewed), the names of the villages that never reported, every village's "
            "deadline status for the final obligation, and the 合计 row of the XLSX export read back with openpyxl.",
            f"- Outcome: **{verdict}**.",
            "- Deaths, missing and the house counts are filed as 0: on a 核报 they must equal the village's ledgers "
            "(台账, checked since issue 16) and this run files no ledger rows; the other indicators carry the sums.",
        ]
        lines += [f"  - {problem}" for problem in run.problems[:20]]
        write_section(SECTION, "\n".join(lines) + "\n")
    return 0 if not run.problems else 1


if __name__ == "__main__":
    sys.exit(main())
