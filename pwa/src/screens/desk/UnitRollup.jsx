// One township (or county) of an event, seen from above (/desk/events/:id/units/:unitId): its 乡镇上报 beside the
// live figures, each difference flagged, with 接收 / 退回 (reason) for the reviewer above it (POST
// /signoffs/{id}/review); then its villages as the township sees them (GET /events/{id}/rollup?org_unit_id=), the
// missing ones with their officers' phones.
import { useState } from 'preact/hooks';
import { Banner, Reading, Screen, UpdatedAt } from '../../components/index.js';
import { ReviewDecision } from '../shared.jsx';
import { useCached } from '../../cache.js';
import { useSession } from '../../session.js';
import { useSend } from '../../useSend.js';
import { RollupTable } from './RollupTable.jsx';
import {
  useAllFigures,
  changedKeys,
  Exports,
  figureText,
  reviewsSignoffsOf,
  shortTime,
  signoffName,
  signoffStatusName,
  signoffTone,
} from './parts.jsx';

export function UnitRollup({ params }) {
  const { user } = useSession();
  const rollup = useCached(`/events/${params.id}/rollup?org_unit_id=${params.unitId}`);
  const due = useCached(`/events/${params.id}/deadlines?org_unit_id=${params.unitId}`);
  const current = useCached(`/events/${params.id}/signoffs?org_unit_id=${params.unitId}&current=true`);
  const data = rollup.data;
  const unit = data ? data.org_unit : null;
  const officers = Object.fromEntries(((due.data && due.data.units) || []).map((row) => [row.org_unit.id, row.officers]));
  const signoff = current.data ? current.data.items[0] : null;
  const [said, setSaid] = useState(null);
  const reread = (text) => {
    setSaid(text);
    rollup.reload();
    current.reload();
  };
  return (
    <Screen title={unit ? unit.name : '单位汇总'} back={`/desk/events/${params.id}`}>
      <div class="desk-wide">
        {said ? <Banner tone="ok">{said}</Banner> : null}
        <Reading of={[rollup]} what="汇总" />
        {rollup.error && !data ? <Banner tone="warn">{rollup.error.status === 0 ? '没有网络，还没读到汇总。' : rollup.error.message}</Banner> : null}
        {data && current.data && signoffName(unit.level) ? (
          <Compare signoff={signoff} live={data.figures} unit={unit}>
            {signoff && signoff.status === 'submitted' && reviewsSignoffsOf(user, unit) ? (
              <Review key={signoff.id} signoff={signoff} unit={unit} onDone={reread} />
            ) : null}
          </Compare>
        ) : null}
        {data ? (
          <section class="desk-section" aria-label="各村">
            <h2 class="section-title">各村报送（{unit.name}）</h2>
            <RollupTable rollup={data} eventId={params.id} officers={officers} caption={`${unit.name}各村汇总`} />
          </section>
        ) : null}
        {data ? <Exports eventId={params.id} unitId={params.unitId} /> : null}
        <UpdatedAt at={rollup.updatedAt} fromCache={rollup.fromCache} />
      </div>
    </Screen>
  );
}

/** The signed figures beside the live ones; a figure that changed since is flagged (村里后来又报了). */
function Compare({ signoff, live, unit, children }) {
  const name = signoffName(unit.level);
  const all = useAllFigures(signoff ? { ...live, ...signoff.figures } : live);
  if (!signoff) {
    return (
      <section class="card" aria-label={name}>
        <h2 class="section-title">
          {name} <span class="chip chip-error">未上报</span>
        </h2>
        <p class="muted">{unit.name}还没有{name}。</p>
      </section>
    );
  }
  const changed = new Set(changedKeys(signoff.figures, live));
  // A figure 0 on both sides says nothing: left out, counted under the table.
  const rows = all.filter(([key]) => changed.has(key) || Number(figureText(live, key)) !== 0);
  return (
    <section class={`card ${changed.size ? 'differs-card' : ''}`} aria-label={name}>
      <h2 class="section-title">
        {name}{' '}
        <span class={`chip ${signoffTone(signoff)}`} data-testid="signoff-status">
          {signoffStatusName(signoff, unit.level)}
        </span>
        {changed.size ? <span class="chip chip-warn diff-flag">与上报不一致</span> : null}
      </h2>
      <p class="muted">
        {shortTime(signoff.created_at)} {signoff.created_by ? signoff.created_by.name : ''} 上报
        {signoff.note ? `；说明：${signoff.note}` : ''}
      </p>
      {signoff.status === 'returned' ? <p class="return-reason">退回原因：{signoff.review_comment}</p> : null}
      {changed.size ? (
        <Banner tone="warn">上报后村里又有报告：{changed.size} 项数字与上报不一致（标出的行）。</Banner>
      ) : null}
      <div class="table-box">
        <table class="desk-table compare-table">
          <caption>上报的数字与现在的汇总</caption>
          <thead>
            <tr>
              <th scope="col">指标</th>
              <th scope="col" class="num">
                上报
              </th>
              <th scope="col" class="num">
                现在
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map(([key, label, unitName]) => (
              <tr key={key} class={changed.has(key) ? 'row-changed' : ''} data-key={key}>
                <th scope="row" data-label="指标">
                  {label}（{unitName}）{changed.has(key) ? <span class="chip chip-warn">有变化</span> : null}
                </th>
                <td class="num" data-label="上报">
                  {figureText(signoff.figures, key)}
                </td>
                <td class="num" data-label="现在">
                  {figureText(live, key)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {all.length > rows.length ? <p class="muted zero-line">其余 {all.length - rows.length} 项指标上报和现在都为 0。</p> : null}
      {children}
    </section>
  );
}

/** 接收 or 退回 (with the reason the township reads) a submitted sign-off. */
function Review({ signoff, unit, onDone }) {
  const { errors, setErrors, problem, sending, send } = useSend();
  const name = signoffName(unit.level);
  const decide = (decision, comment) =>
    send(
      `/signoffs/${signoff.id}/review`,
      { method: 'POST', json: { decision, comment, version: signoff.version } },
      {
        offline: '没有网络，没有提交。',
        done: () => onDone(decision === 'accept' ? `已接收：${unit.name}${name}` : `已退回：${unit.name}${name}，${unit.name}会看到原因`),
      },
    );
  return (
    <div class="review-box" role="group" aria-label="审核上报">
      {problem ? <Banner tone="error">{problem}</Banner> : null}
      <ReviewDecision
        accept={['接收', 'accept']}
        reader={`${unit.name}会看到`}
        hint={`${unit.name}会看到，写清楚要核实或补报什么。`}
        decide={decide}
        errors={errors}
        setErrors={setErrors}
        sending={sending}
      />
    </div>
  );
}
