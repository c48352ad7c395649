// 乡镇上报 / 县级上报 (/desk/events/:id/signoff): the caller's unit freezes its live roll-up and sends it upward
// (POST /events/{id}/signoffs). First the preview of exactly what will be frozen (the live figures, the evacuation
// and the reporting counts of GET /events/{id}/rollup), the clock of the unit's obligation (GET
// /events/{id}/deadlines?level=), and a warning when villages are missing, reports unreviewed or townships not in;
// then the note and the button, which asks again when there is a warning. Afterwards the status: 待县审核, 已接收,
// or 退回 with the reason and the form again (a newer sign-off replaces the returned one).
import { useState } from 'preact/hooks';
import { Banner, BigButton, Reading, Screen, TextField, UpdatedAt } from '../../components/index.js';
import { useCached } from '../../cache.js';
import { useSession } from '../../session.js';
import { useSend } from '../../useSend.js';
import { DeadlineClock, FigureList, shortTime, signoffName, signoffStatusName, signoffTone } from './parts.jsx';

export function SignOff({ params }) {
  const { user } = useSession();
  const unit = user.org_unit || {};
  const name = signoffName(unit.level);
  const event = useCached(`/events/${params.id}`);
  const rollup = useCached(name ? `/events/${params.id}/rollup` : null);
  const current = useCached(name ? `/events/${params.id}/signoffs?org_unit_id=${unit.id}&current=true` : null);
  const due = useCached(name ? `/events/${params.id}/deadlines?level=${unit.level}` : null);
  if (!name) {
    return (
      <Screen title="上报" back={`/desk/events/${params.id}`}>
        <p class="muted">村（社区）不做汇总上报。</p>
      </Screen>
    );
  }
  const signoff = current.data ? current.data.items[0] : null;
  const reread = () => {
    current.reload();
    rollup.reload();
    due.reload();
  };
  return (
    <Screen title={name} back={`/desk/events/${params.id}`}>
      <div class="desk-wide">
        <p class="event-line">
          <strong>{unit.name}</strong> {event.data ? `· ${event.data.name}` : ''}
        </p>
        {due.data && event.data ? <Deadline name={name} due={due.data} event={event.data} unitId={unit.id} /> : null}
        <Reading of={[rollup, current]} what="汇总" />
        {rollup.error && !rollup.data ? <Banner tone="warn">{rollup.error.message}</Banner> : null}
        <div class="desk-columns">
          <div class="desk-column">
            {current.data ? <Status signoff={signoff} level={unit.level} name={name} /> : null}
            {rollup.data ? <Below rollup={rollup.data} eventId={params.id} /> : null}
          </div>
          <div class="desk-column">
            {rollup.data && current.data && user.role === 'reviewer' ? (
              <SignForm
                key={signoff ? `${signoff.id}-${signoff.status}` : 'new'}
                eventId={params.id}
                unitId={unit.id}
                name={name}
                rollup={rollup.data}
                signoff={signoff}
                onDone={reread}
              />
            ) : null}
          </div>
        </div>
        <UpdatedAt at={rollup.updatedAt} fromCache={rollup.fromCache} />
      </div>
    </Screen>
  );
}

function hoursText(ms) {
  const minutes = Math.round(ms / 60000);
  const hours = Math.floor(minutes / 60);
  if (!hours) return `${minutes} 分钟`;
  return minutes % 60 ? `${hours} 小时 ${minutes % 60} 分` : `${hours} 小时`;
}

/** The unit's obligation now: "初报时限：灾害过程开始后 2 小时内", counting down. */
function Deadline({ name, due, event, unitId }) {
  if (due.obligation === 'none' || !due.due_at) return <p class="muted">灾害过程已结束，现在没有要上报的时限。</p>;
  const own = (due.units || []).find((row) => row.org_unit.id === unitId);
  const after = new Date(due.due_at).getTime() - new Date(event.started_at).getTime();
  return (
    <section class="card deadline-card" aria-label="上报时限">
      <p class="deadline-rule">
        {name}
        {due.obligation_name}时限：
        {due.obligation === 'initial' ? `灾害过程开始后 ${hoursText(after)}内` : `${shortTime(due.due_at)} 前`}
      </p>
      <DeadlineClock label="" dueAt={due.due_at} done={own && own.status === 'on_time'} />
      {own && own.status === 'late' ? <p class="alert-line">已超过时限，请尽快上报。</p> : null}
    </section>
  );
}

function Status({ signoff, level, name }) {
  if (!signoff) {
    return (
      <section class="card" aria-label="上报状态">
        <h2 class="section-title">
          状态 <span class="chip chip-error">未上报</span>
        </h2>
        <p class="muted">本单位还没有{name}。</p>
      </section>
    );
  }
  return (
    <section class={`card ${signoff.status === 'returned' ? 'returned-card' : ''}`} aria-label="上报状态">
      <h2 class="section-title">
        状态{' '}
        <span class={`chip ${signoffTone(signoff)}`} data-testid="signoff-status">
          {signoffStatusName(signoff, level)}
        </span>
      </h2>
      {signoff.status === 'returned' ? <p class="return-reason">退回原因：{signoff.review_comment || '（未写原因）'}</p> : null}
      <p class="muted">
        {shortTime(signoff.created_at)} {signoff.created_by ? signoff.created_by.name : ''} 上报
        {signoff.reviewed_at ? `；${shortTime(signoff.reviewed_at)} ${signoff.reviewed_by ? signoff.reviewed_by.name : ''} 审核` : ''}
      </p>
      {signoff.note ? <p>说明：{signoff.note}</p> : null}
      <h3 class="sub-title">上报的数字</h3>
      <FigureList figures={signoff.figures} />
    </section>
  );
}

/** The sign-offs of the units below (the county's townships), each a link to its page (接收 / 退回 there). */
function Below({ rollup, eventId }) {
  const signing = (rollup.children || []).filter((child) => signoffName(child.org_unit.level));
  if (!signing.length) return null;
  const name = signoffName(signing[0].org_unit.level);
  return (
    <section class="card" aria-label={`各${name}`}>
      <h2 class="section-title">各{name}</h2>
      <ul class="plain-list below-list">
        {signing.map((child) => (
          <li key={child.org_unit.id} data-unit={child.org_unit.name}>
            <a class="unit-link" href={`/desk/events/${eventId}/units/${child.org_unit.id}`}>
              {child.org_unit.name}
            </a>
            <span class={`chip ${signoffTone(child.signoff)}`}>{signoffStatusName(child.signoff, child.org_unit.level)}</span>
            {child.differs ? <span class="chip chip-warn">与上报不一致</span> : null}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** What the live roll-up lacks: villages not reported, reports not reviewed, units below not signed off. */
export function gaps(rollup) {
  const reporting = rollup.reporting || {};
  const out = [];
  const missing = reporting.missing_units || [];
  if (reporting.missing) {
    const names = missing.slice(0, 10).map((unit) => unit.name).join('、');
    out.push(`还有 ${reporting.missing} 个村未报${names ? `：${names}${missing.length > 10 ? ' 等' : ''}` : ''}`);
  }
  if (reporting.unreviewed) out.push(`${reporting.unreviewed} 份报告待审核`);
  const unsigned = (rollup.children || []).filter(
    (child) => signoffName(child.org_unit.level) && (!child.signoff || child.signoff.status === 'returned'),
  );
  if (unsigned.length) {
    out.push(`${unsigned.length} 个${signoffName(unsigned[0].org_unit.level)}还没有交来：${unsigned.map((c) => c.org_unit.name).join('、')}`);
  }
  return out;
}

function SignForm({ eventId, unitId, name, rollup, signoff, onDone }) {
  const returned = signoff && signoff.status === 'returned';
  const [open, setOpen] = useState(!signoff || returned);
  const [note, setNote] = useState('');
  const [confirming, setConfirming] = useState(false);
  const [done, setDone] = useState(null);
  const { errors, problem, sending, send } = useSend();
  const warnings = gaps(rollup);
  const label = signoff ? '重新上报' : name;
  if (!open) {
    return (
      <section class="card" aria-label="重新上报">
        {done ? <Banner tone="ok">{done}</Banner> : null}
        <p class="muted">汇总的数字有变化时，可以重新上报；新的上报取代这一份。</p>
        <BigButton label="重新上报…" tone="secondary" onClick={() => setOpen(true)} />
      </section>
    );
  }
  const sign = async () => {
    if (warnings.length && !confirming) {
      setConfirming(true);
      return;
    }
    await send(
      `/events/${eventId}/signoffs`,
      { method: 'POST', json: { org_unit_id: unitId, note: note.trim() } },
      {
        offline: '没有网络，没有上报。说明还在，联网后再点一次。',
        done: () => {
          setConfirming(false);
          setOpen(false);
          setDone(`已${name}，等待上级审核。`);
          onDone();
        },
      },
    );
  };
  return (
    <section class="card sign-form" aria-label="上报预览">
      <h2 class="section-title">将要上报的数字（现在的汇总）</h2>
      <p class="muted">上报时冻结下面这些数字；之后村里再报，上级会看到与上报不一致。</p>
      <FigureList figures={rollup.figures} />
      <p class="reporting-line" data-testid="preview-reporting">
        应报 {rollup.reporting.expected} 个村，已报 {rollup.reporting.reported}（零报告 {rollup.reporting.zero}），未报{' '}
        {rollup.reporting.missing}，迟报 {rollup.reporting.late}，待审核 {rollup.reporting.unreviewed}
      </p>
      <p class="reporting-line">
        紧急避险转移 {rollup.evacuation.evacuated} 人，仍在外 {rollup.evacuation.displaced_now} 人
      </p>
      {warnings.length ? (
        <Banner tone="warn">
          <strong>请注意：</strong>
          {warnings.map((line) => (
            <span class="gap-line" key={line}>
              {line}。
            </span>
          ))}
        </Banner>
      ) : (
        <Banner tone="ok">各村都已报送并审核。</Banner>
      )}
      {problem ? <Banner tone="error">{problem}</Banner> : null}
      <TextField label="说明" name="note" value={note} onChange={setNote} errors={errors} multiline hint="例如：下河村通信中断，已电话核实无人员伤亡。" />
      {confirming ? (
        <div class="confirm-box" role="group" aria-label="确认上报">
          <p class="confirm-text">
            {warnings.join('；')}。确定现在{name}？
          </p>
          <div class="button-row">
            <BigButton label={sending ? '正在上报…' : '仍然上报'} onClick={sign} disabled={sending} />
            <BigButton label="先不报" tone="secondary" onClick={() => setConfirming(false)} />
          </div>
        </div>
      ) : (
        <BigButton label={sending ? '正在上报…' : label} onClick={sign} disabled={sending} />
      )}
    </section>
  );
}
