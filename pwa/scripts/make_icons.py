"""Draws the app icons (public/icons/icon-192.png, icon-512.png): a white warning triangle on the app's blue.

Run by hand when the icon changes (`.venv/bin/python pwa/scripts/make_icons.py`); the PNGs are committed, so a
build needs neither Pillow nor a network. The triangle sits inside the maskable safe zone (the middle 80 %).
"""

from pathlib import Path

from PIL import Image, ImageDraw

BLUE = (11, 87, 208, 255)
WHITE = (255, 255, 255, 255)
OUT = Path(__file__).resolve().parent.parent / "public" / "icons"


def draw(size: int) -> Image.Image:
    scale = 4  # draw large, shrink: smooth edges without anti-aliasing support in ImageDraw
    big = size * scale
    image = Image.new("RGBA", (big, big), BLUE)
    pen = ImageDraw.Draw(image)
    top, bottom, half = big * 0.22, big * 0.76, big * 0.30
    pen.polygon([(big / 2, top), (big / 2 + half, bottom), (big / 2 - half, bottom)], fill=WHITE)
    bar = big * 0.045
    pen.rounded_rectangle((big / 2 - bar, big * 0.40, big / 2 + bar, big * 0.62), radius=bar, fill=BLUE)
    pen.ellipse((big / 2 - bar * 1.2, big * 0.655, big / 2 + bar * 1.2, big * 0.655 + bar * 2.4), fill=BLUE)
    return image.resize((size, size), Image.LANCZOS)


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        draw(size).save(OUT / f"icon-{size}.png", optimize=True)
