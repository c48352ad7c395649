// 我的报告: everything the village filed, with its status. Returned damage reports come first, with the
// reviewer's reason and a way to correct and send a new one; what still waits on the phone comes next. Lists
// read online are kept by cache.js and shown offline with the time they were read.
import { Banner, BigButton, OthersWaiting, Reading, Screen, UpdatedAt } from '../components/index.js';
import { useEffect, useState } from 'preact/hooks';
import { cachedGet, useCached } from '../cache.js';
import { useOutbox } from '../useOutbox.js';
import { KIND_NAMES } from '../kinds.js';
import { useIndicators } from '../indicators.js';
import { DAMAGE_LIST, EVENT_LIST, evacuationList, HAZARD_LIST } from '../reportLists.js';
import { STATUS_NAMES } from '../rules/damage.js';
import { stageName } from '../rules/stage.js';
import { damageLine, ReportRow } from './shared.jsx';
import { ReturnedCard, waitingReturns } from './ReturnedCard.jsx';
import './reports.css';

const STATUS_TONES = { submitted: 'info', approved: 'ok', returned: 'error' };

export function MyReports() {
  const damage = useCached(DAMAGE_LIST);
  const indicators = useIndicators(null); // the names of the figures a line shows
  const hazards = useCached(HAZARD_LIST);
  const events = useCached(EVENT_LIST);
  const outbox = useOutbox();

  const eventList = events.data ? events.data.items : [];
  const eventName = (id) => (eventList.find((e) => e.id === id) || {}).name || `灾害过程 ${id}`;
  const reports = damage.data ? damage.data.items : [];
  const returns = waitingReturns(reports, outbox.items);
  const offline = [damage, hazards, events].some((list) => list.error && !list.data);

  return (
    <Screen title="我的报告" back="/">
      {returns.map((report) => (
        <ReturnedCard key={report.id} report={report} eventName={eventName(report.event_id)} />
      ))}
      {outbox.items.length ? (
        <section class="card waiting-card">
          <h2 class="card-title">待发送 {outbox.items.length} 条</h2>
          <ul class="plain-list">
            {outbox.items.map((item) => (
              <li key={item.clientId}>
                <span class="chip">{KIND_NAMES[item.kind] || item.kind}</span> {item.label}
                {item.status === 'needs_attention' ? <span class="chip chip-error">需要处理</span> : null}
              </li>
            ))}
          </ul>
          <BigButton label="待发送" tone="secondary" href="/outbox" />
        </section>
      ) : null}
      <OthersWaiting others={outbox.others} />
      {offline ? <Banner tone="warn">没有网络，有的列表还没有在这台手机上读过。联网后再打开本页。</Banner> : null}

      <h2 class="section-title">灾情报告</h2>
      <Reading of={[damage, events]} />
      <UpdatedAt at={damage.updatedAt} fromCache={damage.fromCache} />
      {damage.data && !reports.length ? <p class="muted">还没有报过灾情。</p> : null}
      <ul class="report-list">
        {reports.map((report) => (
          <ReportRow
            key={`damage-${report.id}`}
            kind="damage"
            href={`/reports/damage/${report.id}`}
            title={`${eventName(report.event_id)} ${stageName(report.stage)}`}
            status={STATUS_NAMES[report.status]}
            tone={STATUS_TONES[report.status]}
            at={report.submitted_at}
            line={damageLine(report, indicators.vocab)}
          />
        ))}
      </ul>

      <h2 class="section-title">转移情况</h2>
      <Evacuations events={eventList} />

      <h2 class="section-title">隐患</h2>
      <Reading of={[hazards]} />
      <UpdatedAt at={hazards.updatedAt} fromCache={hazards.fromCache} />
      {hazards.data && !hazards.data.items.length ? <p class="muted">还没有报过隐患。</p> : null}
      <ul class="report-list">
        {(hazards.data ? hazards.data.items : []).map((hazard) => (
          <ReportRow
            key={`hazard-${hazard.id}`}
            kind="hazard"
            href={`/reports/hazard/${hazard.id}`}
            title={hazard.title}
            status={hazard.status_name}
            tone={hazard.status === 'closed' || hazard.status === 'rectified' ? 'ok' : 'info'}
            at={hazard.created_at}
            line={`${hazard.category_name} · ${hazard.risk_level_name}`}
          />
        ))}
      </ul>
    </Screen>
  );
}

/**
 * Every evacuation report of the village, newest first, across the events it knows (one list per event in the
 * API, each kept by cache.js). Shows the oldest copy's time: what the person sees is at least that fresh.
 */
function Evacuations({ events }) {
  const [lists, setLists] = useState(null);
  const ids = events.map((event) => event.id).join(',');
  useEffect(() => {
    let live = true;
    Promise.all(events.map((event) => cachedGet(evacuationList(event.id)).catch(() => null))).then(
      (results) => live && setLists(results.map((result, index) => result && { ...result, event: events[index] })),
    );
    return () => {
      live = false;
    };
  }, [ids]);
  if (!lists) return <Reading waiting />;
  const read = lists.filter(Boolean);
  const rows = read
    .flatMap(({ data, event }) => data.items.map((report) => ({ report, event })))
    .sort((a, b) => (a.report.submitted_at < b.report.submitted_at ? 1 : -1));
  const oldest = read.reduce((min, list) => (min && min.updatedAt < list.updatedAt ? min : list), null);
  return (
    <>
      {oldest ? <UpdatedAt at={oldest.updatedAt} fromCache={read.some((list) => list.fromCache)} /> : null}
      {read.length && !rows.length ? <p class="muted">还没有报过转移情况。</p> : null}
      <ul class="report-list">
        {rows.map(({ report, event }) => (
          <ReportRow
            key={`evacuation-${report.id}`}
            kind="evacuation"
            href={`/reports/evacuation/${report.id}?event=${event.id}`}
            title={`${event.name} 转移`}
            status={report.current ? '当前' : '已更新'}
            tone={report.current ? 'ok' : 'info'}
            at={report.submitted_at}
            line={`转移 ${report.evacuated} 人，现在在外 ${report.displaced} 人`}
          />
        ))}
      </ul>
    </>
  );
}
