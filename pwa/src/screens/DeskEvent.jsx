// One event at the desk (/desk/events/:id): which villages are missing or late for the current obligation,
// named (GET /events/{id}/deadlines, the caller's scope), a missing village with its officers' phones as tel:
// links, so the duty officer calls whoever has not reported (催报).
import { Banner, Reading, Screen, UpdatedAt } from '../components/index.js';
import { useCached } from '../cache.js';
import { CallOfficers, shortTime, usePolling } from './WarningParts.jsx';
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
  usePolling(due.reload, 60000);
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
