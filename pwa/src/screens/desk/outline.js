// The scope's outline when the map has no tiles: the convex hull of its hazards' points (Andrew's monotone chain),
// or a small box around one or two points. Points and the result are [lat, lon].

const cross = (o, a, b) => (a[1] - o[1]) * (b[0] - o[0]) - (a[0] - o[0]) * (b[1] - o[1]);

export function convexHull(points) {
  const sorted = [...new Map(points.map((p) => [`${p[0]},${p[1]}`, p])).values()].sort((a, b) => a[1] - b[1] || a[0] - b[0]);
  if (sorted.length < 3) return sorted;
  const lower = [];
  for (const p of sorted) {
    while (lower.length >= 2 && cross(lower[lower.length - 2], lower[lower.length - 1], p) <= 0) lower.pop();
    lower.push(p);
  }
  const upper = [];
  for (const p of [...sorted].reverse()) {
    while (upper.length >= 2 && cross(upper[upper.length - 2], upper[upper.length - 1], p) <= 0) upper.pop();
    upper.push(p);
  }
  return [...lower.slice(0, -1), ...upper.slice(0, -1)];
}

/** The outline to draw: the hull, with a margin; a box when the points do not span an area. */
export function outline(points, margin = 0.004) {
  if (!points.length) return [];
  const hull = convexHull(points);
  if (hull.length >= 3) {
    const lat = hull.reduce((s, p) => s + p[0], 0) / hull.length;
    const lon = hull.reduce((s, p) => s + p[1], 0) / hull.length;
    // pushed out from the centre so the edge markers are inside
    return hull.map(([a, b]) => {
      const d = Math.hypot(a - lat, b - lon) || 1;
      return [a + ((a - lat) / d) * margin, b + ((b - lon) / d) * margin];
    });
  }
  const lats = hull.map((p) => p[0]);
  const lons = hull.map((p) => p[1]);
  const [s, n, w, e] = [Math.min(...lats) - margin, Math.max(...lats) + margin, Math.min(...lons) - margin, Math.max(...lons) + margin];
  return [
    [s, w],
    [n, w],
    [n, e],
    [s, e],
  ];
}
