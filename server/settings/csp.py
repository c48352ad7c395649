"""The one thing the app loads from elsewhere: the map's tiles. Their host joins the CSP's img-src when MAP_TILE_URL
is set; unset, the policy stays 'self' (the map then draws its points over an outline and asks nothing outside)."""

from __future__ import annotations

from urllib.parse import urlsplit


def tile_source(url: str | None) -> str | None:
    """``https://t{s}.tianditu.gov.cn/vec_w/wmts?…`` → ``https://*.tianditu.gov.cn``; None for no or a bad URL."""
    if not url:
        return None
    parts = urlsplit(url)
    host = parts.netloc
    if parts.scheme not in ("http", "https") or not host or any(c in host for c in " ;,'\""):
        return None
    labels = host.split(".")
    if "{" in labels[0]:
        labels[0] = "*"  # a {s} subdomain: any subdomain of the provider
    if any("{" in label for label in labels):
        return None
    return f"{parts.scheme}://{'.'.join(labels)}"


def with_map_tiles(headers: dict[str, str], map_tile_url: str | None) -> dict[str, str]:
    """``headers`` with the tiles' host allowed as an image source (the same headers when there are no tiles)."""
    source = tile_source(map_tile_url)
    if not source:
        return headers
    policy = headers["Content-Security-Policy"].replace("img-src 'self'", f"img-src 'self' {source}", 1)
    return {**headers, "Content-Security-Policy": policy}
