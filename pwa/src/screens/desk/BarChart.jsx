// Horizontal bars drawn by the app in SVG (no chart library): one row per unit, its name, its bar and its value.
// `rows`: [{key, label, value}] for a figure; with `parts` ([{key, className, value}]) a row is a stacked bar of its
// parts over their total (完整性: 已报 and 未报). The SVG scales with its box; its text stays readable at 360 px.

const WIDTH = 360;
const LABEL = 92;
const VALUE = 78;
const ROW = 30;
const BAR = 18;

function shortLabel(text) {
  return text.length > 6 ? `${text.slice(0, 6)}…` : text;
}

export function BarChart({ title, rows, unit = '', format = (v) => String(v) }) {
  const max = Math.max(0, ...rows.map((row) => row.value));
  const span = WIDTH - LABEL - VALUE;
  const height = rows.length * ROW + 6;
  return (
    <figure class="bar-chart" data-chart={title}>
      <figcaption class="section-title">{title}</figcaption>
      {rows.length ? (
        <svg viewBox={`0 0 ${WIDTH} ${height}`} role="img" aria-label={`${title}：${rows.map((r) => `${r.label} ${format(r.value)}${unit}`).join('，')}`}>
          {rows.map((row, index) => {
            const y = index * ROW + 4;
            const width = max > 0 ? Math.max(row.value > 0 ? 2 : 0, (row.value / max) * span) : 0;
            return (
              <g key={row.key} class="chart-row" data-unit={row.label} data-value={row.value}>
                <text class="chart-label" x={LABEL - 6} y={y + BAR - 4} text-anchor="end">
                  {shortLabel(row.label)}
                </text>
                <rect class="chart-bar" x={LABEL} y={y} width={width} height={BAR} rx="3" data-value={row.value} />
                <text class="chart-value" x={LABEL + width + 4} y={y + BAR - 4}>
                  {format(row.value)}
                  {unit}
                </text>
              </g>
            );
          })}
        </svg>
      ) : (
        <p class="muted">没有下级单位。</p>
      )}
    </figure>
  );
}

/** 完整性 per unit: the reported part and the rest of the expected, as one bar each. */
export function CompletenessChart({ title, rows }) {
  const span = WIDTH - LABEL - VALUE;
  const height = rows.length * ROW + 6;
  return (
    <figure class="bar-chart" data-chart={title}>
      <figcaption class="section-title">{title}</figcaption>
      <p class="chart-legend">
        <span>
          <span class="chart-legend-swatch chart-legend-reported" />
          已报
        </span>
        <span>
          <span class="chart-legend-swatch chart-legend-missing" />
          未报
        </span>
      </p>
      <svg viewBox={`0 0 ${WIDTH} ${height}`} role="img" aria-label={`${title}：${rows.map((r) => `${r.label} 已报 ${r.reported}，未报 ${r.missing}`).join('；')}`}>
        {rows.map((row, index) => {
          const y = index * ROW + 4;
          const total = row.reported + row.missing;
          const done = total ? (row.reported / total) * span : 0;
          return (
            <g key={row.key} class="chart-row" data-unit={row.label} data-reported={row.reported} data-missing={row.missing}>
              <text class="chart-label" x={LABEL - 6} y={y + BAR - 4} text-anchor="end">
                {shortLabel(row.label)}
              </text>
              <rect class="bar-missing" x={LABEL} y={y} width={span} height={BAR} rx="3" />
              <rect class="bar-reported" x={LABEL} y={y} width={done} height={BAR} rx="3" />
              <text class="chart-value" x={LABEL + span + 4} y={y + BAR - 4}>
                {row.reported}/{total}
              </text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}
