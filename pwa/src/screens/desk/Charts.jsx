// 图表 (/desk/events/:id/charts): the event's main figures by child unit (people affected, relocated, houses
// collapsed, direct loss: named as the server's vocabulary names them) and each child's completeness (已报 / 未报),
// as bars from the live roll-up (GET /events/{id}/rollup).
import { Banner, Reading, Screen, UpdatedAt } from '../../components/index.js';
import { useCached } from '../../cache.js';
import { useIndicators } from '../../indicators.js';
import { BarChart, CompletenessChart } from './BarChart.jsx';
import { DeskNav, readError } from './deskParts.jsx';

export const CHART_FIGURES = ['affected_population', 'relocated', 'houses_collapsed_households', 'direct_loss_10k_yuan'];

const number = (value) => (value == null ? 0 : Number(value)) || 0;

export function Charts({ params }) {
  const event = useCached(`/events/${params.id}`);
  const rollup = useCached(`/events/${params.id}/rollup`);
  const data = rollup.data;
  const children = data ? data.children || [] : [];
  const { vocab } = useIndicators(null);
  const charted = vocab ? CHART_FIGURES.map((key) => vocab.byKey[key]) : [];
  return (
    <Screen title={event.data ? `${event.data.name} · 图表` : '图表'} back={`/desk/events/${params.id}`}>
      <div class="desk-wide">
        <DeskNav />
        <p class="link-line">
          <a class="go-link" href={`/desk/events/${params.id}`}>报送情况 ›</a>
          <a class="go-link" href={`/desk/events/${params.id}/manage`}>灾害过程设置 ›</a>
        </p>
        <Reading of={[rollup]} what="汇总" />
        {rollup.error && !data ? <Banner tone="warn">{readError(rollup.error, '汇总')}</Banner> : null}
        {data ? (
          <>
            <p class="muted">
              {data.org_unit ? data.org_unit.name : ''}各下级单位的实时汇总（含未审核的报告）{data.drill ? '，演练' : ''}。
            </p>
            <div class="charts-grid">
              {charted.map(({ key, label, unit, decimal }) => (
                <BarChart
                  key={key}
                  title={label}
                  unit={unit}
                  format={decimal ? (v) => v.toFixed(2) : (v) => String(v)}
                  rows={children.map((child) => ({ key: child.org_unit.id, label: child.org_unit.name, value: number(child.figures[key]) }))}
                />
              ))}
              <CompletenessChart
                title="报送完整性"
                rows={children.map((child) => ({
                  key: child.org_unit.id,
                  label: child.org_unit.name,
                  reported: child.reporting.reported || 0,
                  missing: child.reporting.missing || 0,
                }))}
              />
            </div>
          </>
        ) : null}
        <UpdatedAt at={rollup.updatedAt} fromCache={rollup.fromCache} />
      </div>
    </Screen>
  );
}
