// One event at the desk (/desk/events/:id), the caller's whole view of it: its own sign-off (乡镇上报 / 县级上报) with
// the clock; the roll-up over its children as a table (a township's villages with the phones of those that have not
// reported; the county's board by township with each 乡镇上报 beside the live figures, each township a link to its
// villages); the obligations of every level; the villages missing or late, named (GET /events/{id}/deadlines), a
// missing village with its officers' phones as tel: links (催报); the current reports waiting for review (待审核),
// each opening the report with 通过 / 退回; 台账 and the exports (快报表 …) as links.
import { useCallback } from 'preact/hooks';
import { Banner, BigButton, Reading, Screen, UpdatedAt } from '../components/index.js';
import { useCached } from '../cache.js';
import { useIndicators } from '../indicators.js';
import { stageName } from '../rules/stage.js';
import { useSession } from '../session.js';
import { damageLine, ReportRow } from './shared.jsx';
import { CallOfficers, shortTime, usePolling } from './WarningParts.jsx';
import { RollupTable } from './desk/RollupTable.jsx';
import { DeadlineClock, Exports, signoffName, signoffStatusName, signoffTone } from './desk/parts.jsx';
import './reports.css';
import './warnings.css';

const GROUPS = [
  ['missing', '未报', 'chip-error'],
  ['late', '迟报', 'chip-warn'],
  ['pending', '未到时限', 'chip'],
  ['on_time', '按时', 'chip-ok'],
];

const LEVEL_NAMES = { village: '村（社区）报告', township: '乡镇上报', county: '县级上报', city: '市级上报' };

export function DeskEvent({ params }) {
  const { user } = useSession();
  const event = useCached(`/events/${params.id}`);
  const rollup = useCached(`/events/${params.id}/rollup`);
  const due = useCached(`/events/${params.id}/deadlines`);
  // The reports a reviewer acts on: each village's current one, not yet reviewed (the scope is the caller's).
  const waiting = useCached(`/damage-reports?event_id=${params.id}&status=submitted&current=true&per_page=100`);
  const reread = useCallback(() => {
    rollup.reload();
    due.reload();
    waiting.reload();
  }, [rollup.reload, due.reload, waiting.reload]);
  usePolling(reread, 60000);
  const data = due.data;
  const officers = Object.fromEntries(((data && data.units) || []).map((unit) => [unit.org_unit.id, unit.officers]));
  const e = event.data;
  return (
    <Screen title={e ? e.name : '灾害过程'} back="/">
      <div class="desk-wide">
        {e ? (
          <p class="event-line">
            {e.disaster_type}
            {e.disaster_subtype ? `（${e.disaster_subtype}）` : ''}，{shortTime(e.started_at)} 开始
            {e.drill ? <span class="chip">演练</span> : null}
            {e.status === 'stable' ? <span class="chip chip-info">已稳定</span> : null}
          </p>
        ) : null}
        <Reading of={[rollup]} what="汇总" />
        {rollup.error && !rollup.data ? (
          <Banner tone="warn">{rollup.error.status === 0 ? '没有网络，还没读到汇总。' : rollup.error.message}</Banner>
        ) : null}
        {rollup.data ? <OwnSignoff eventId={params.id} rollup={rollup.data} user={user} /> : null}
        {rollup.data ? (
          <section class="desk-section" aria-label="汇总">
            <h2 class="section-title">汇总（{rollup.data.org_unit.name}）</h2>
            <RollupTable rollup={rollup.data} eventId={params.id} officers={officers} caption={`${rollup.data.org_unit.name}汇总`} />
          </section>
        ) : null}
        <div class="desk-columns">
          <div class="desk-column">
            {waiting.data ? <ToReview reports={waiting.data.items} total={waiting.data.total} /> : null}
            <Reading of={[due]} what="报送情况" />
            {data ? (
              <section class="desk-section" aria-label="村报送">
                <p class="event-line">
                  村现在要报：<strong>{data.obligation === 'none' ? '无（已核报）' : data.obligation_name}</strong>
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
              </section>
            ) : null}
          </div>
          <div class="desk-column">
            {rollup.data ? <Levels levels={rollup.data.levels || []} /> : null}
            <nav class="card desk-nav" aria-label="本过程">
              <h2 class="section-title">台账</h2>
              <a class="nav-link" href={`/desk/events/${params.id}/ledgers`}>
                台账（死亡失踪人口、倒塌损坏住房）›
              </a>
            </nav>
            <Exports eventId={params.id} />
          </div>
        </div>
        <UpdatedAt at={rollup.updatedAt} fromCache={rollup.fromCache} />
      </div>
    </Screen>
  );
}

/** The caller's own sign-off (乡镇上报, 县级上报): its status, its clock, and the way to it. */
function OwnSignoff({ eventId, rollup, user }) {
  const level = rollup.org_unit.level;
  const name = signoffName(level);
  const mine = useCached(name ? `/events/${eventId}/signoffs?org_unit_id=${rollup.org_unit.id}&current=true` : null);
  if (!name) return null;
  const own = (rollup.levels || []).find((item) => item.level === level);
  const signoff = mine.data && mine.data.items[0];
  return (
    <section class="card own-signoff" aria-label={name}>
      <h2 class="section-title">
        {name}
        <span class={`chip ${signoffTone(signoff)}`}>{signoffStatusName(signoff, level)}</span>
      </h2>
      {own && own.due_at ? (
        <DeadlineClock label={`${own.obligation_name}时限`} dueAt={own.due_at} done={rollup.signoff_status === 'on_time'} />
      ) : null}
      {signoff && signoff.status === 'returned' ? (
        <p class="return-reason">退回原因：{signoff.review_comment}</p>
      ) : null}
      {user.role === 'reviewer' ? (
        <BigButton label={name} sub={signoff ? '看上报的数字，或重新上报' : '核对汇总，填写说明后上报'} href={`/desk/events/${eventId}/signoff`} />
      ) : null}
    </section>
  );
}

/** 各级时限: each level from the villages up to the caller's, its obligation, due time and how many stand where. */
function Levels({ levels }) {
  if (!levels.length) return null;
  return (
    <section class="card" aria-label="各级时限">
      <h2 class="section-title">各级时限</h2>
      <ul class="level-list">
        {levels.map((item) => (
          <li key={item.level} class="level-item">
            <strong>{LEVEL_NAMES[item.level] || item.level}</strong> {item.obligation_name}
            {item.due_at ? <span class="muted">，截止 {shortTime(item.due_at)}</span> : null}
            <span class="count-row">
              {GROUPS.map(([status, name, tone]) =>
                item.counts && item.counts[status] ? (
                  <span class={`chip ${tone}`} key={status}>
                    {name} {item.counts[status]}
                  </span>
                ) : null,
              )}
            </span>
          </li>
        ))}
      </ul>
    </section>
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
