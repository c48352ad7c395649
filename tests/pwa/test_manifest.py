"""The web app manifest and its icons, as committed in pwa/public (issue 8, item 1)."""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image

PUBLIC = Path(__file__).resolve().parents[2] / "pwa" / "public"


def test_manifest_installs_a_standalone_chinese_app_with_both_icon_sizes():
    manifest = json.loads((PUBLIC / "manifest.webmanifest").read_text(encoding="utf-8"))
    assert (manifest["name"], manifest["short_name"], manifest["lang"]) == ("网格灾情报送", "灾情报送", "zh-CN")
    assert (manifest["display"], manifest["start_url"], manifest["scope"]) == ("standalone", "/", "/")
    assert manifest["theme_color"].startswith("#")
    sizes = {}
    for icon in manifest["icons"]:
        with Image.open(PUBLIC / icon["src"].lstrip("/")) as image:
            assert image.format == "PNG"
            sizes[icon["sizes"]] = image.size
    assert sizes == {"192x192": (192, 192), "512x512": (512, 512)}
