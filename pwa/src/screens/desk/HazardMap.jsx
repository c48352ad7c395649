// 隐患地图 (/desk/map): the scope's open hazards as points coloured by risk (Leaflet, in this lazy chunk with its CSS
// bundled: no CDN). Tiles come from the deployment's MAP_TILE_URL (GET /settings); without it the points are drawn
// over the scope's outline (the hull of its hazards) and the map asks nothing outside the app's own origin. A
// point opens its hazard; hazards without coordinates are listed under the map.
import L from 'leaflet';
import 'leaflet/dist/leaflet.css';
import { useEffect, useRef } from 'preact/hooks';
import { Banner, Reading, Screen, UpdatedAt } from '../../components/index.js';
import { useCached } from '../../cache.js';
import { navigate } from '../../router.js';
import { useSession } from '../../session.js';
import { DeskNav, RISK_COLOURS, RISK_LEVELS, RISK_ORDER, RiskTag, readError } from './deskParts.jsx';
import { outline } from './outline.js';

const CLOSED = ['closed', 'rejected'];

export function HazardMap() {
  const { user } = useSession();
  const settings = useCached('/settings');
  const list = useCached('/hazards?per_page=200');
  const open = list.data ? list.data.items.filter((h) => !CLOSED.includes(h.status)) : [];
  const placed = open.filter((h) => h.lat != null && h.lon != null).sort((a, b) => RISK_ORDER[b.risk_level] - RISK_ORDER[a.risk_level]);
  const unplaced = open.filter((h) => h.lat == null || h.lon == null);
  const ready = Boolean(list.data && (settings.data || settings.error));
  const tiles = settings.data ? settings.data : null;
  return (
    <Screen title="隐患地图" back="/">
      <div class="desk-wide">
        <DeskNav />
        <Reading of={[list, settings]} what="隐患" />
        {list.error && !list.data ? <Banner tone="warn">{readError(list.error, '隐患')}</Banner> : null}
        <p class="map-legend" aria-label="图例">
          {RISK_LEVELS.map(([key, label]) => (
            <span key={key}>
              <RiskTag level={key} name={label} /> {open.filter((h) => h.risk_level === key).length}
            </span>
          ))}
        </p>
        <p class="muted">
          {user.org_unit ? user.org_unit.name : ''}未销号的隐患 {open.length} 处{tiles && !tiles.map_tile_url ? '（未配置底图：显示隐患点所围的范围）' : ''}。点圆点查看。
        </p>
        {ready ? <MapView hazards={placed} tiles={tiles} /> : null}
        {unplaced.length ? (
          <section aria-label="没有坐标的隐患">
            <h2 class="section-title">没有坐标的隐患（{unplaced.length}）</h2>
            <ul>
              {unplaced.map((h) => (
                <li key={h.id}>
                  <a class="go-link" href={`/desk/hazards/${h.id}`}>
                    {h.title}
                  </a>{' '}
                  <span class="muted">{h.address}</span>
                </li>
              ))}
            </ul>
          </section>
        ) : null}
        <UpdatedAt at={list.updatedAt} fromCache={list.fromCache} />
      </div>
    </Screen>
  );
}

function MapView({ hazards, tiles }) {
  const box = useRef(null);
  const url = tiles && tiles.map_tile_url;
  useEffect(() => {
    // The vector layer no larger than the view (Leaflet's default draws 10% past each edge, clipped by the box).
    const map = L.map(box.current, { attributionControl: Boolean(url), zoomSnap: 0.5, zoomAnimation: false, renderer: L.svg({ padding: 0 }) });
    if (url) {
      L.tileLayer(url, { subdomains: tiles.map_tile_subdomains || 'abc', attribution: tiles.map_attribution || '', maxZoom: 18 }).addTo(map);
    }
    const points = hazards.map((h) => [h.lat, h.lon]);
    const shape = !url && points.length ? outline(points) : [];
    // The view first: Leaflet draws a layer (and gives it its element) once the map has one.
    if (points.length) map.fitBounds(L.latLngBounds([...points, ...shape]).pad(0.1), { maxZoom: 15 });
    else map.setView([30, 110], 5);
    if (shape.length) {
      L.polygon(shape, { className: 'scope-outline', color: '#0842a0', weight: 2, fillColor: '#dfe8f6', fillOpacity: 0.6, interactive: false }).addTo(map);
    }
    for (const hazard of hazards) {
      const marker = L.circleMarker([hazard.lat, hazard.lon], {
        radius: 10,
        color: '#ffffff',
        weight: 2,
        fillColor: RISK_COLOURS[hazard.risk_level] || '#555',
        fillOpacity: 0.95,
        className: `hazard-marker risk-${hazard.risk_level}`,
      });
      marker.bindTooltip(`${hazard.title}（${hazard.risk_level_name}）`);
      marker.on('click', () => navigate(`/desk/hazards/${hazard.id}`));
      marker.addTo(map);
      const path = marker.getElement && marker.getElement();
      if (path) {
        path.setAttribute('data-hazard', String(hazard.id));
        path.setAttribute('data-risk', hazard.risk_level);
        path.setAttribute('role', 'link');
        path.setAttribute('aria-label', `${hazard.title}，${hazard.risk_level_name}`);
      }
    }
    return () => map.remove();
  }, [hazards.map((h) => `${h.id}:${h.risk_level}`).join(','), url]);
  return <div ref={box} class="hazard-map" role="region" aria-label="隐患地图" />;
}
