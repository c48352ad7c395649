// 灾害过程设置 (/desk/events/:id/manage): what the event is, and its life — 进行中 → 稳定 → 结束, each step after a
// confirmation of the app's own that says what it changes for the deadlines (稳定: no more 每日续报, the villages owe
// the 核报 within N days; 结束: nothing more is accepted). Links to the event's charts and its reporting page.
import { useState } from 'preact/hooks';
import { Banner, BigButton, Reading, Screen, UpdatedAt } from '../../components/index.js';
import { useCached } from '../../cache.js';
import { useSession } from '../../session.js';
import { useSend } from '../../useSend.js';
import { ConfirmDialog } from './ConfirmDialog.jsx';
import { DeskNav, dateTime, readError } from './deskParts.jsx';

const STATUS_NAMES = { pending: '待确认', active: '进行中', stable: '稳定', closed: '已结束', merged: '已合并', rejected: '已退回' };
const STATUS_TONES = { active: 'chip-warn', stable: 'chip-info', closed: 'chip-ok' };

/** What each step changes, in the words the dialog shows. */
export function stepWords(step, days) {
  if (step === 'stable') {
    return {
      title: '转为「稳定」？',
      label: '确认转为稳定',
      lines: [
        '灾情已基本稳定：从现在起不再要求每日续报。',
        `各村须在 ${days ?? '规定的'} 天内报送核报（最终数字），核报时限从现在算起。`,
        '稳定后仍可补报、更正，直到结束。',
      ],
    };
  }
  return {
    title: '结束这个灾害过程？',
    label: '确认结束',
    lines: ['结束后不再接收任何报告、更正和签报，也不再有报送时限。', '结束不能撤销。请确认核报已收齐。'],
  };
}

export function EventManage({ params }) {
  const { user } = useSession();
  const event = useCached(`/events/${params.id}`);
  const settings = useCached('/settings');
  const [step, setStep] = useState(null); // 'stable' | 'closed' while the dialog is open
  const [done, setDone] = useState(null);
  const { problem, setProblem, sending, send } = useSend();
  const data = event.data;
  const days = data && settings.data ? settings.data.final_report_days[data.disaster_type] : null;
  const next = data ? { active: 'stable', stable: 'closed' }[data.status] : null;
  const mayMove = user.role === 'reviewer' && next;

  const move = async () => {
    const target = step;
    const went = await send(`/events/${params.id}/status`, { method: 'POST', json: { status: target } }, {
      offline: '没有网络，状态没有改变。请联网后再试。',
      done: () => setDone(target === 'stable' ? `已转为稳定：各村须在 ${days ?? '规定的'} 天内报送核报。` : '灾害过程已结束。'),
    });
    setStep(null);
    if (went) event.reload();
  };
  const words = step ? stepWords(step, days) : null;

  return (
    <Screen title={data ? data.name : '灾害过程设置'} back={`/desk/events/${params.id}`}>
      <div class="desk-wide">
        <DeskNav />
        <Reading of={[event]} what="灾害过程" />
        {event.error && !data ? <Banner tone="warn">{readError(event.error, '灾害过程')}</Banner> : null}
        {done ? <Banner tone="ok">{done}</Banner> : null}
        {problem ? <Banner tone="error" action={{ label: '好', onClick: () => setProblem(null) }}>{problem}</Banner> : null}
        {data ? (
          <div class="wide-columns">
            <section class="card" aria-label="基本情况">
              <h2 class="section-title">基本情况</h2>
              <dl class="facts-dl">
                <dt>名称</dt>
                <dd>{data.name}</dd>
                <dt>灾种</dt>
                <dd>
                  {data.disaster_type}
                  {data.disaster_subtype ? ` · ${data.disaster_subtype}` : ''}
                </dd>
                <dt>范围</dt>
                <dd>{data.org_unit ? data.org_unit.name : ''}</dd>
                <dt>开始时间</dt>
                <dd>{dateTime(data.started_at)}</dd>
                <dt>状态</dt>
                <dd>
                  <span class={`chip ${STATUS_TONES[data.status] || ''}`} data-status={data.status}>
                    {STATUS_NAMES[data.status] || data.status}
                  </span>
                  {data.drill ? <span class="chip">演练</span> : null}
                </dd>
                {data.stable_at ? (
                  <>
                    <dt>转为稳定</dt>
                    <dd>{dateTime(data.stable_at)}</dd>
                  </>
                ) : null}
                {data.closed_at ? (
                  <>
                    <dt>结束</dt>
                    <dd>{dateTime(data.closed_at)}</dd>
                  </>
                ) : null}
              </dl>
              <p class="link-line">
                <a class="go-link" href={`/desk/events/${data.id}`}>报送情况 ›</a>
                <a class="go-link" href={`/desk/events/${data.id}/charts`}>图表 ›</a>
              </p>
            </section>
            <section aria-label="过程状态">
              <h2 class="section-title">过程状态</h2>
              <ol class="event-steps">
                <li>
                  <span class="chip chip-warn">进行中</span>各村报初报，之后每天报续报。
                </li>
                <li>
                  <span class="chip chip-info">稳定</span>不再要求每日续报，各村在 {days ?? '规定的'} 天内报核报。
                </li>
                <li>
                  <span class="chip chip-ok">结束</span>不再接收任何报告。
                </li>
              </ol>
              {mayMove && next === 'stable' ? <BigButton label="转为稳定" sub="灾情基本稳定，进入核报" onClick={() => setStep('stable')} /> : null}
              {mayMove && next === 'closed' ? <BigButton label="结束灾害过程" sub="核报已收齐" tone="danger" onClick={() => setStep('closed')} /> : null}
              {!next && data.status === 'closed' ? <p class="muted">这个灾害过程已结束。</p> : null}
            </section>
          </div>
        ) : null}
        <UpdatedAt at={event.updatedAt} fromCache={event.fromCache} />
      </div>
      <ConfirmDialog open={Boolean(step)} title={words ? words.title : ''} confirmLabel={words ? words.label : ''} tone={step === 'closed' ? 'danger' : 'primary'} busy={sending} onConfirm={move} onCancel={() => setStep(null)}>
        {words ? words.lines.map((line) => <p key={line}>{line}</p>) : null}
      </ConfirmDialog>
    </Screen>
  );
}
