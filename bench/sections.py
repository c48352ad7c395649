"""BENCHMARKS.md is shared: each benchmark rewrites only its own ``## …`` section."""

from __future__ import annotations

import re
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1] / "BENCHMARKS.md"


def write_section(section: str, text: str, path: Path = BENCHMARKS) -> None:
    """Replace the section headed ``section`` (up to the next ``## `` heading) with ``text``, or append it."""
    current = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"^{re.escape(section)}\n.*?(?=^## |\Z)", re.S | re.M)
    block = text.strip("\n") + "\n\n"
    if pattern.search(current):
        updated = pattern.sub(lambda _match: block, current, count=1)
    else:
        updated = current.rstrip("\n") + "\n\n" + block
    path.write_text(updated.rstrip("\n") + "\n", encoding="utf-8")
