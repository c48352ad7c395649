// One event at the desk (/desk/events/:id): which villages are missing or late for the current obligation,
// named (GET /events/{id}/deadlines, the caller's scope), a missing village with its officers' phones as tel:
// links, so the duty officer calls whoever has not reported (催报); and the villages' current reports waiting for
// review (待审核), each opening the report with 通过 / 退回.
import { useCallback } from 'preact/hooks';
import { Banner, Reading, Screen, UpdatedAt } from '../components/index.js';
import { useCached } from '../cache.js';
import { useIndicators } from '../indicators.js';
import { stageName } from '../rules/stage.js';
import { damageLine, ReportRow } from './shared.jsx';
import { CallOfficers, shortTime, usePolling } from './WarningParts.jsx';
import './reports.css';
import './warnings.css';

const GROUPS = [
  ['missing', '未报', 'chip-error'],
  ['late', '迟报', 'chip-warn'],
  ['pending', '未到时限', 'chip'],
  ['on_time', '按时', 'chip-ok'],
];

export function DeskEvent({ params }) {
  const event = useCached(`/events/${params.id}`);
  const due = useCached(`/events/${params.id}/deadlines`);
  // The reports a reviewer acts on: each village's current one, not yet reviewed (the scope is the caller's).
  const waiting = useCached(`/damage-reports?event_id=${params.id}&status=submitted&current=true&per_page=100`);
  const reread = useCallback(() => {
    due.reload();
    waiting.reload();
  }, [due.reload, waiting.reload]);
  usePolling(reread, 60000);
  const data = due.data;
  return (
    <Screen title={event.data ? event.data.name : '灾害过程'} back="/">
      <Reading of={[due]} what="报送情况" />
      {due.error && !data ? <Banner tone="warn">{due.error.status === 0 ? '没有网络，还没读到报送情况。' : due.error.message}</Banner> : null}
      {data ? (
        <>
          <p class="event-line">
            现在要报：<strong>{data.obligation === 'none' ? '无（已核报）' : data.obligation_name}</strong>
            {data.due_at ? `，截止 ${shortTime(data.due_at)}` : ''}
          </p>
          <p class="count-row">
            {GROUPS.map(([status, name, tone]) => (
              <span class={`chip ${tone}`} key={status}>
                {name} {data.counts ? data.counts[status] || 0 : 0}
              </span>
            ))}
          </p>
          {GROUPS.slice(0, 3).map(([status, name]) => (
            <Group key={status} name={name} units={data.units.filter((unit) => unit.status === status)} />
          ))}
        </>
      ) : null}
      {waiting.data ? <ToReview reports={waiting.data.items} total={waiting.data.total} /> : null}
      <UpdatedAt at={due.updatedAt} fromCache={due.fromCache} />
    </Screen>
  );
}

function Group({ name, units }) {
  if (!units.length) return null;
  return (
    <section class="card" data-group={name}>
      <h2 class="section-title">
        {name}（{units.length} 个村）
      </h2>
      <ul class="unit-names">
        {units.map((unit) => (
          <li key={unit.org_unit.id} data-unit={unit.org_unit.name}>
            {unit.org_unit.name}
            {unit.last_report_at ? <span class="muted">（{shortTime(unit.last_report_at)} 报）</span> : null}
            {/* a missing village comes with its officers (催报): whom to call, one tap */}
            {unit.officers ? <CallOfficers officers={unit.officers} silent /> : null}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** 待审核: the villages' current reports not yet reviewed, newest first (as the server lists them). */
function ToReview({ reports, total }) {
  const indicators = useIndicators(null); // the names of the figures a line shows
  if (!reports.length) return null;
  return (
    <section class="desk-section" aria-label="待审核">
      <h2 class="section-title">待审核（{total} 份）</h2>
      {total > reports.length ? <p class="muted">这里列出最新的 {reports.length} 份。</p> : null}
      <ul class="report-list">
        {reports.map((report) => (
          <ReportRow
            key={report.id}
            kind="damage"
            href={`/reports/damage/${report.id}`}
            title={`${report.org_unit.name} ${stageName(report.stage)}`}
            status="待审核"
            tone="info"
            at={report.submitted_at}
            line={damageLine(report, indicators.vocab)}
          />
        ))}
      </ul>
    </section>
  );
}
