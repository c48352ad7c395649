// 工作台: the home of reviewers and viewers (township and county desks). GET /dashboard for the caller's scope.
// On top, what needs action now, each item a link to where it is dealt with: local events to decide, reports
// waiting for review (待审核), sign-offs of the level below to accept or return, the caller's own 乡镇上报 / 县级上报
// with its clock (or its return), villages overdue, silent warnings, overdue rectifications. Then the live
// events, warnings and hazards, and the desk's other screens. Read through cache.js (the last copy shows offline
// with its time) and again every minute while visible. Loaded only for desk users (a lazy chunk).
import { ask } from '../components/Dialog.jsx';
import { Banner, BigButton, Reading, Screen, UpdatedAt } from '../components/index.js';
import { useCached } from '../cache.js';
import { logOut, useSession } from '../session.js';
import { rateText, sortWarnings } from '../warnings.js';
import { LevelTag, shortTime, usePolling } from './WarningParts.jsx';
import { DeadlineClock, signoffName, useKeyFigures } from './desk/parts.jsx';
import './warnings.css';

export const DASHBOARD_POLL_MS = 60000;

export function Dashboard() {
  const { user } = useSession();
  const found = useCached('/dashboard');
  usePolling(found.reload, DASHBOARD_POLL_MS);
  const data = found.data;

  const leave = async () => {
    if (!(await ask({ title: '确定退出登录吗？', confirmLabel: '退出' }))) return;
    try {
      await logOut();
    } catch (error) {
      alert(error.status === 0 ? '没有网络，暂时不能退出。' : error.message);
    }
  };

  return (
    <Screen title="工作台">
      <div class="desk-wide">
        <p class="who">
          <strong>{user.org_unit ? user.org_unit.name : ''}</strong> {user.name || user.username}
        </p>
        <Reading of={[found]} what="工作台" />
        {found.error && !data ? (
          <Banner tone="warn">{found.error.status === 0 ? '没有网络，还没读到工作台（需要联网一次）。' : found.error.message}</Banner>
        ) : null}
        {data ? <DeskBody data={data} user={user} /> : null}
        <UpdatedAt at={found.updatedAt} fromCache={found.fromCache} />
        <button type="button" class="link-button logout" onClick={leave}>
          退出
        </button>
      </div>
    </Screen>
  );
}

function DeskBody({ data, user }) {
  const warnings = sortWarnings(data.warnings || []);
  return (
    <>
      <Overdue overdue={data.overdue} />
      <div class="desk-columns">
        <div class="desk-column">
          <ToDo data={data} user={user} />
          <section class="desk-section" aria-label="灾害过程">
            <h2 class="section-title">灾害过程</h2>
            {!data.events.length ? <p class="muted">没有进行中的灾害过程。</p> : null}
            {data.events.map((item) => (
              <EventSummary key={item.event.id} item={item} />
            ))}
          </section>
        </div>
        <div class="desk-column">
          <Tools user={user} />
          <section class="desk-section" aria-label="预警叫应">
            <h2 class="section-title">预警叫应</h2>
            {!warnings.length ? <p class="muted">没有生效中的预警。</p> : null}
            {warnings.map((warning) => (
              <WarningSummary key={warning.id} warning={warning} />
            ))}
          </section>
          {data.hazards ? <Hazards hazards={data.hazards} /> : null}
        </div>
      </div>
    </>
  );
}

/** Everything waiting for this desk now, most urgent first; each a link to the screen that deals with it. */
export function todoItems(data, user) {
  const items = [];
  const level = user.org_unit ? user.org_unit.level : null;
  const own = signoffName(level);
  const locals = data.pending_local_events || [];
  if (locals.length) {
    const names = locals.slice(0, 3).map((event) => `${event.org_unit.name}「${event.name}」`).join('、');
    items.push({ key: 'local', href: '/desk/local-events', tone: 'warn', text: `${locals.length} 个本地事件待确认：${names}` });
  }
  for (const item of data.events) {
    const { event, reporting = {} } = item;
    const at = `/desk/events/${event.id}`;
    const signoff = item.own_signoff;
    if (own && user.role === 'reviewer') {
      if (signoff && signoff.status === 'returned') {
        items.push({ key: `ret-${event.id}`, href: `${at}/signoff`, tone: 'error', text: `${event.name}：${own}被退回（${signoff.review_comment}），请重新上报` });
      } else if (!signoff && item.signoff_status !== 'on_time') {
        const mine = (item.levels || []).find((entry) => entry.level === level);
        items.push({ key: `own-${event.id}`, href: `${at}/signoff`, tone: item.signoff_status === 'late' ? 'error' : 'info', text: `${event.name}：${own}`, due: mine && mine.due_at, dueLabel: mine ? `${mine.obligation_name}时限` : '' });
      }
    }
    // the level right below that signs off (a county's townships): those past their deadline, to be chased
    const below = (item.levels || []).filter((entry) => entry.level !== 'village' && entry.level !== level);
    const behind = below.length ? below[below.length - 1] : null;
    const late = behind && behind.counts ? (behind.counts.late || 0) + (behind.counts.missing || 0) : 0;
    if (late) {
      items.push({ key: `sl-${event.id}`, href: at, tone: 'error', text: `${event.name}：${late} 个${signoffName(behind.level)}超时未交` });
    }
    if (item.signoffs_to_review) {
      items.push({ key: `rev-${event.id}`, href: at, tone: 'info', text: `${event.name}：${item.signoffs_to_review} 份下级上报待审核` });
    }
    if (reporting.unreviewed) {
      items.push({ key: `un-${event.id}`, href: at, tone: 'info', text: `${event.name}：${reporting.unreviewed} 份报告待审核` });
    }
    const overdue = [];
    if (reporting.overdue_missing) overdue.push(`${reporting.overdue_missing} 个村未报`);
    if (reporting.late) overdue.push(`${reporting.late} 个村迟报`);
    if (overdue.length) items.push({ key: `od-${event.id}`, href: at, tone: 'error', text: `${event.name}：${overdue.join('，')}，请催报` });
  }
  for (const warning of data.warnings || []) {
    const numbers = warning.summary || warning;
    if (numbers.overdue) {
      items.push({ key: `w-${warning.id}`, href: `/warnings/${warning.id}/board`, tone: 'error', text: `${warning.title}：${numbers.overdue} 个村超时未叫应` });
    }
  }
  if (data.hazards && data.hazards.overdue_rectification) {
    items.push({ key: 'hz', href: '/desk/hazards?overdue=true', tone: 'error', text: `${data.hazards.overdue_rectification} 处隐患整改超期` });
  }
  return items;
}

function ToDo({ data, user }) {
  const items = todoItems(data, user);
  return (
    <section class="desk-section" aria-label="现在要办">
      <h2 class="section-title">现在要办</h2>
      {!items.length ? <p class="muted">现在没有要办的事。</p> : null}
      <ul class="plain-list todo-list">
        {items.map((item) => (
          <li key={item.key}>
            <a class={`todo todo-${item.tone}`} href={item.href} data-todo={item.key}>
              <span class="todo-text">{item.text}</span>
              {item.due ? <DeadlineClock label={item.dueLabel} dueAt={item.due} /> : null}
              <span class="todo-go" aria-hidden="true">
                ›
              </span>
            </a>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** The desk's other screens, by role (events, hazards, the map and admin are their own screens). */
function Tools({ user }) {
  return (
    <nav class="desk-section" aria-label="功能">
      <h2 class="section-title">功能</h2>
      <div class="tool-grid">
        {user.role === 'reviewer' ? <BigButton label="发布预警" sub="选级别、内容和接收的村" href="/warnings/new" /> : null}
        {user.role === 'reviewer' ? <BigButton label="开启灾害过程" tone="secondary" href="/desk/events/new" /> : null}
        <BigButton label="本地事件" tone="secondary" href="/desk/local-events" />
        <BigButton label="隐患台账" tone="secondary" href="/desk/hazards" />
        <BigButton label="隐患地图" tone="secondary" href="/desk/map" />
        {user.role === 'admin' ? <BigButton label="用户管理" sub="用户、区划与网格" tone="secondary" href="/desk/admin" /> : null}
        {user.role !== 'viewer' ? <BigButton label="短信报灾" sub="接收号码与网关状态" tone="secondary" href="/desk/sms" /> : null}
      </div>
    </nav>
  );
}

/** The one line a duty officer must not miss: what is late right now. */
function Overdue({ overdue }) {
  if (!overdue) return null;
  const parts = [];
  if (overdue.warning_targets) parts.push(`${overdue.warning_targets} 个村预警超时未叫应`);
  if (overdue.missing) parts.push(`${overdue.missing} 个村未报`);
  if (overdue.late) parts.push(`${overdue.late} 个村迟报`);
  if (overdue.signoffs) parts.push(`${overdue.signoffs} 份上报超时`);
  if (overdue.hazard_rectification) parts.push(`${overdue.hazard_rectification} 处隐患整改超期`);
  if (!parts.length) return <Banner tone="ok">现在没有超时的事项。</Banner>;
  return <Banner tone="error">{parts.join('；')}。</Banner>;
}

function WarningSummary({ warning }) {
  // The counts inside the caller's scope: `summary` as GET /warnings gives them (or flat beside the warning).
  const numbers = warning.summary || warning;
  const rate = rateText({ acknowledged: numbers.acknowledged ?? 0, targets: numbers.targets ?? 0, rate: numbers.rate });
  const overdueUnits = numbers.overdue_units || warning.overdue_units || [];
  return (
    <a class={`card desk-card warning-card level-${warning.level}`} data-warning={warning.id} href={`/warnings/${warning.id}/board`}>
      <span class="desk-card-line">
        <LevelTag level={warning.level} />
        <span class="muted"> {shortTime(warning.revised_at || warning.issued_at)}</span>
      </span>
      <strong class="warning-title">{warning.title}</strong>
      <span class="rate-box">
        <span class="rate-count">{rate.count}</span>
        <span class="rate-percent">已叫应 {rate.percent}</span>
      </span>
      {numbers.overdue ? (
        <span class="alert-line desk-card-line">
          {numbers.overdue} 个村超时未叫应{overdueUnits.length ? `：${overdueUnits.map((unit) => unit.name || (unit.org_unit && unit.org_unit.name)).join('、')}` : ''}
        </span>
      ) : null}
      <span class="card-more">叫应情况 ›</span>
    </a>
  );
}

function EventSummary({ item }) {
  const { event, figures = {}, reporting = {}, deadline, evacuation } = item;
  const shown = useKeyFigures().map(([key, label, unit]) => ({ key, label, unit })); // as the server names them
  return (
    <a class="card desk-card" data-event={event.id} href={`/desk/events/${event.id}`}>
      <strong class="card-title">{event.name}</strong>
      {event.status === 'stable' ? <span class="chip">已稳定</span> : null}
      {deadline && deadline.obligation !== 'none' ? (
        <span class="muted desk-card-line">
          村现在要报：{deadline.obligation_name}
          {deadline.due_at ? `，截止 ${shortTime(deadline.due_at)}` : ''}
        </span>
      ) : null}
      <span class="count-row">
        <span class="chip chip-info">
          已报 {reporting.reported ?? 0} / {reporting.expected ?? 0}
        </span>
        {reporting.overdue_missing ? <span class="chip chip-error">未报 {reporting.overdue_missing}</span> : null}
        {reporting.late ? <span class="chip chip-warn">迟报 {reporting.late}</span> : null}
        {reporting.unreviewed ? <span class="chip">待审核 {reporting.unreviewed}</span> : null}
        {item.signoffs_to_review ? <span class="chip chip-info">上报待审核 {item.signoffs_to_review}</span> : null}
      </span>
      <span class="figures">
        {shown.map(({ key, label, unit }) => (
          <span class="figure" key={key}>
            <span>{label}</span>
            <span class="figure-value">
              {figures[key] ?? 0} {unit}
            </span>
          </span>
        ))}
        {evacuation ? (
          <span class="figure">
            <span>在外避险</span>
            <span class="figure-value">{evacuation.displaced_now ?? 0} 人</span>
          </span>
        ) : null}
      </span>
      <span class="card-more">{reporting.unreviewed ? '未报的村、待审核的报告 ›' : '汇总、未报和迟报的村 ›'}</span>
    </a>
  );
}

const RISK = [
  ['major', '重大', 'red'],
  ['high', '较大', 'orange'],
  ['medium', '一般', 'yellow'],
  ['low', '低', 'blue'],
];

function Hazards({ hazards }) {
  const by = hazards.open_by_risk_level || {};
  return (
    <section class="desk-section" aria-label="隐患">
      <h2 class="section-title">隐患（未销号 {hazards.open}）</h2>
      <div class="risk-grid">
        {RISK.map(([key, name, colour]) => (
          <span class={`risk-cell level-${colour}`} key={key}>
            <span class="risk-count">{by[key] ?? 0}</span>
            {name}风险
          </span>
        ))}
      </div>
      {hazards.supervised ? <p>挂牌督办 {hazards.supervised} 处</p> : null}
      {hazards.overdue_rectification ? (
        <a class="alert-line nav-link" href="/desk/hazards">
          整改超期 {hazards.overdue_rectification} 处 ›
        </a>
      ) : (
        <p class="muted">没有整改超期的隐患。</p>
      )}
      {(hazards.overdue_rectifications || []).length ? (
        <ul class="unit-names">
          {hazards.overdue_rectifications.map((hazard) => (
            <li key={hazard.id}>
              <a href={`/reports/hazard/${hazard.id}`}>
                {hazard.org_unit ? `${hazard.org_unit.name}：` : ''}
                {hazard.title}
              </a>
              <span class="muted">（时限 {shortTime(hazard.deadline)}）</span>
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
