// 工作台: the home of reviewers and viewers (township and county desks). GET /dashboard for the caller's scope:
// active warnings with their 叫应 rates and silent villages, live events with totals and completeness (late and
// missing villages), open hazards by risk level with overdue rectifications. Read through cache.js (the last copy
// shows offline with its time) and again every minute while visible.
import { Banner, BigButton, Reading, Screen, UpdatedAt } from '../components/index.js';
import { useCached } from '../cache.js';
import { navigate } from '../router.js';
import { logOut, useSession } from '../session.js';
import { rateText, sortWarnings } from '../warnings.js';
import { LevelTag, shortTime, usePolling } from './WarningParts.jsx';

export const DASHBOARD_POLL_MS = 60000;

export function Dashboard() {
  const { user } = useSession();
  const found = useCached('/dashboard');
  usePolling(found.reload, DASHBOARD_POLL_MS);
  const data = found.data;
  const canIssue = user.role === 'reviewer';

  const leave = async () => {
    if (!confirm('确定退出登录吗？')) return;
    try {
      await logOut();
    } catch (error) {
      alert(error.status === 0 ? '没有网络，暂时不能退出。' : error.message);
    }
  };

  return (
    <Screen title="工作台">
      <p class="who">
        <strong>{user.org_unit ? user.org_unit.name : ''}</strong> {user.name || user.username}
      </p>
      {canIssue ? <BigButton label="发布预警" sub="选级别、内容和接收的村" href="/warnings/new" /> : null}
      <Reading of={[found]} what="工作台" />
      {found.error && !data ? <Banner tone="warn">{found.error.status === 0 ? '没有网络，还没读到工作台（需要联网一次）。' : found.error.message}</Banner> : null}
      {data ? <DeskBody data={data} /> : null}
      <UpdatedAt at={found.updatedAt} fromCache={found.fromCache} />
      {user.role !== 'viewer' ? <a class="link-button desk-sms-link" href="/desk/sms">短信报灾：接收号码与网关状态</a> : null}
      <button type="button" class="link-button logout" onClick={leave}>
        退出
      </button>
    </Screen>
  );
}

function DeskBody({ data }) {
  const warnings = sortWarnings(data.warnings || []);
  return (
    <>
      <Overdue overdue={data.overdue} />
      <section class="desk-section" aria-label="预警叫应">
        <h2 class="section-title">预警叫应</h2>
        {!warnings.length ? <p class="muted">没有生效中的预警。</p> : null}
        {warnings.map((warning) => (
          <WarningSummary key={warning.id} warning={warning} />
        ))}
      </section>
      <section class="desk-section" aria-label="灾害过程">
        <h2 class="section-title">灾害过程</h2>
        {!data.events.length ? <p class="muted">没有进行中的灾害过程。</p> : null}
        {data.events.map((item) => (
          <EventSummary key={item.event.id} item={item} />
        ))}
      </section>
      {data.hazards ? <Hazards hazards={data.hazards} /> : null}
    </>
  );
}

/** The one line a duty officer must not miss: what is late right now. */
function Overdue({ overdue }) {
  if (!overdue) return null;
  const parts = [];
  if (overdue.warning_targets) parts.push(`${overdue.warning_targets} 个村预警超时未叫应`);
  if (overdue.missing) parts.push(`${overdue.missing} 个村未报`);
  if (overdue.late) parts.push(`${overdue.late} 个村迟报`);
  if (overdue.hazard_rectification) parts.push(`${overdue.hazard_rectification} 处隐患整改超期`);
  if (!parts.length) return <Banner tone="ok">现在没有超时的事项。</Banner>;
  return <Banner tone="error">{parts.join('；')}。</Banner>;
}

function WarningSummary({ warning }) {
  // The counts inside the caller's scope: `summary` as GET /warnings gives them (or flat beside the warning).
  const numbers = warning.summary || warning;
  const rate = rateText({ acknowledged: numbers.acknowledged ?? 0, targets: numbers.targets ?? 0, rate: numbers.rate });
  const overdueUnits = numbers.overdue_units || [];
  return (
    <button type="button" class={`card desk-card warning-card level-${warning.level}`} data-warning={warning.id} onClick={() => navigate(`/warnings/${warning.id}/board`)}>
      <p>
        <LevelTag level={warning.level} />
        <span class="muted"> {shortTime(warning.revised_at || warning.issued_at)}</span>
      </p>
      <strong class="warning-title">{warning.title}</strong>
      <p class="rate-box">
        <span class="rate-count">{rate.count}</span>
        <span class="rate-percent">已叫应 {rate.percent}</span>
      </p>
      {numbers.overdue ? (
        <p class="alert-line">
          {numbers.overdue} 个村超时未叫应{overdueUnits.length ? `：${overdueUnits.map((unit) => unit.name || (unit.org_unit && unit.org_unit.name)).join('、')}` : ''}
        </p>
      ) : null}
      <span class="link-button">叫应情况 ›</span>
    </button>
  );
}

const KEY_FIGURES = [
  ['affected_population', '受灾人口', '人'],
  ['deaths', '死亡', '人'],
  ['missing', '失踪', '人'],
  ['relocated', '紧急转移安置', '人'],
  ['houses_collapsed_households', '倒塌房屋', '户'],
  ['direct_loss_10k_yuan', '经济损失', '万元'],
];

function EventSummary({ item }) {
  const { event, figures = {}, reporting = {}, deadline, evacuation } = item;
  return (
    <button type="button" class="card desk-card" data-event={event.id} onClick={() => navigate(`/desk/events/${event.id}`)}>
      <strong class="card-title">{event.name}</strong>
      {event.status === 'stable' ? <span class="chip">已稳定</span> : null}
      {deadline && deadline.obligation !== 'none' ? (
        <p class="muted">
          现在要报：{deadline.obligation_name}
          {deadline.due_at ? `，截止 ${shortTime(deadline.due_at)}` : ''}
        </p>
      ) : null}
      <p class="count-row">
        <span class="chip chip-info">
          已报 {reporting.reported ?? 0} / {reporting.expected ?? 0}
        </span>
        {reporting.overdue_missing ? <span class="chip chip-error">未报 {reporting.overdue_missing}</span> : null}
        {reporting.late ? <span class="chip chip-warn">迟报 {reporting.late}</span> : null}
        {reporting.unreviewed ? <span class="chip">待审核 {reporting.unreviewed}</span> : null}
      </p>
      <div class="figures">
        {KEY_FIGURES.map(([key, label, unit]) => (
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
      </div>
      <span class="link-button">{reporting.unreviewed ? '未报的村、待审核的报告 ›' : '未报、迟报的村 ›'}</span>
    </button>
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
      {hazards.overdue_rectification ? <p class="alert-line">整改超期 {hazards.overdue_rectification} 处</p> : <p class="muted">没有整改超期的隐患。</p>}
      {(hazards.overdue_rectifications || []).length ? (
        <ul class="unit-names">
          {hazards.overdue_rectifications.map((hazard) => (
            <li key={hazard.id}>
              {hazard.org_unit ? `${hazard.org_unit.name}：` : ''}
              {hazard.title}
              <span class="muted">（时限 {shortTime(hazard.deadline)}）</span>
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
