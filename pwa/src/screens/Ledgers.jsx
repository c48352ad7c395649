// 台账: an event's named ledgers of the village — 因灾死亡失踪人口 and 因灾倒塌损坏住房户 — as cards, with what still
// waits on the phone marked 待发送. A 核报 is refused until its deaths, missing and houses match these rows, so
// this is where the village backs its figures name by name (issue 18, item 4).
import { Banner, BigButton, Reading, Screen, UpdatedAt } from '../components/index.js';
import { useCached } from '../cache.js';
import { casualtyStatus, DAMAGE_NAMES, HOUSE_STATUS_NAMES, SEX_NAMES } from '../rules/ledger.js';
import { shownIdNumber } from '../rules/idNumber.js';
import { EventLine } from './shared.jsx';
import { useLedger } from './LedgerParts.jsx';

export function Ledgers({ params }) {
  const eventId = params.id;
  const event = useCached(`/events/${eventId}`);
  const ledger = useLedger(eventId);
  const [people, houses] = ledger.reads;
  const c = ledger.counts;
  const unread = ledger.reads.some((read) => read.error && !read.data);
  const closed = event.data && event.data.status === 'closed'; // the server takes no new rows then
  return (
    <Screen title="台账" back={`/events/${eventId}/damage/new`}>
      <EventLine event={event.data} />
      <section class="card ledger-summary" aria-label="台账合计">
        <p class="ledger-summary-line">
          死亡 <strong>{c.deaths}</strong> 人 · 失踪 <strong>{c.missing}</strong> 人
        </p>
        <p class="ledger-summary-line">
          倒塌 <strong>{c.houses_collapsed_households}</strong> 户 {c.houses_collapsed_rooms} 间 · 严重损坏{' '}
          <strong>{c.houses_severe_households}</strong> 户 {c.houses_severe_rooms} 间
        </p>
        <p class="ledger-summary-line">
          一般损坏 <strong>{c.houses_general_households}</strong> 户 {c.houses_general_rooms} 间
        </p>
        <p class="muted">核报的这些数字必须和台账一致。含待发送的登记。</p>
      </section>
      {closed ? <Banner tone="info">灾害过程已结束，台账不能再新登记；住房的维修重建进度仍可更正。</Banner> : null}
      <WaitingLine rows={[...ledger.casualties, ...ledger.houses]} />
      <Reading of={ledger.reads} what="台账" />
      {unread ? <Banner tone="warn">还没有读到服务器上的台账（需要联网一次）。下面只有手机上待发送的登记。</Banner> : null}

      <section>
        <h2 class="section-title">死亡失踪人口</h2>
        {closed ? null : <BigButton label="登记死亡失踪人员" href={`/events/${eventId}/casualties/new`} />}
        {ledger.known && !ledger.casualties.length ? <p class="muted">还没有登记。</p> : null}
        <ul class="ledger-list">
          {ledger.casualties.map((row) => (
            <CasualtyCard key={row.id || row.clientId} row={row} eventId={eventId} />
          ))}
        </ul>
        <UpdatedAt at={people.updatedAt} fromCache={people.fromCache} />
      </section>

      <section>
        <h2 class="section-title">倒塌损坏住房户</h2>
        {closed ? null : <BigButton label="登记倒塌损坏住房" href={`/events/${eventId}/houses/new`} />}
        {ledger.known && !ledger.houses.length ? <p class="muted">还没有登记。</p> : null}
        <ul class="ledger-list">
          {ledger.houses.map((row) => (
            <HouseCard key={row.id || row.clientId} row={row} eventId={eventId} />
          ))}
        </ul>
        <UpdatedAt at={houses.updatedAt} fromCache={houses.fromCache} />
      </section>
      <BigButton label="回到报灾情" tone="secondary" href={`/events/${eventId}/damage/new`} />
    </Screen>
  );
}

/** How many of the rows wait on the phone, with the way to 待发送 (立即发送, and what the server refused). */
function WaitingLine({ rows }) {
  const waiting = rows.filter((row) => row.waiting).length;
  if (!waiting) return null;
  const refused = rows.filter((row) => row.attention).length;
  return (
    <p class="ledger-waiting-line">
      {refused ? `${refused} 条登记服务器没有收下，请处理。` : `${waiting} 条登记在手机上待发送，有网络时自动发送。`}{' '}
      <a class="ledger-link" href="/outbox">
        查看待发送
      </a>
    </p>
  );
}

/** Where a card leads: a row still on the phone is fixed in its item; one on the server is changed by a PATCH. */
function editPath(row, eventId, ledger) {
  if (row.waiting === 'new') return `/events/${eventId}/${ledger === 'casualties' ? 'casualties' : 'houses'}/new?fix=${encodeURIComponent(row.clientId)}`;
  const base = ledger === 'casualties' ? `/casualties/${row.id}/edit` : `/houses/${row.id}/edit`;
  return `${base}?event=${eventId}`;
}

/** 待发送 / 需要处理 for what waits on the phone; otherwise the review status the county gave. */
function StateChips({ row }) {
  if (row.attention) return <span class="chip chip-error">需要处理</span>;
  if (row.waiting === 'new') return <span class="chip chip-warn">待发送</span>;
  if (row.waiting === 'change') return <span class="chip chip-warn">更正待发送</span>;
  if (row.review_status === 'returned') return <span class="chip chip-error">已退回</span>;
  if (row.review_status === 'approved') return <span class="chip chip-ok">已审核</span>;
  return null;
}

function CasualtyCard({ row, eventId }) {
  const status = casualtyStatus(row);
  const tone = row.found_alive ? 'chip-ok' : row.kind === 'dead' ? 'chip-error' : 'chip-warn';
  const who = [SEX_NAMES[row.sex], row.age != null && row.age !== '' ? `${row.age} 岁` : null].filter(Boolean).join(' · ');
  const id = shownIdNumber(row.id_number);
  return (
    <li>
      <a class={`card ledger-card ${row.waiting ? 'ledger-waiting' : ''}`} href={editPath(row, eventId, 'casualties')} data-ledger="casualty">
        <span class="ledger-card-head">
          <strong class="ledger-card-name">{row.name}</strong>
          <span class={`chip ${tone}`}>{status}</span>
          <StateChips row={row} />
        </span>
        {who ? <span class="ledger-card-line">{who}</span> : null}
        <span class="ledger-card-line muted">身份证：{id || '未填'}</span>
        {row.place || row.address ? <span class="ledger-card-line muted">{row.place || row.address}</span> : null}
        {row.review_status === 'returned' && row.review_comment ? (
          <span class="ledger-card-line">退回原因：{row.review_comment}</span>
        ) : null}
      </a>
    </li>
  );
}

function HouseCard({ row, eventId }) {
  const tone = row.damage === 'collapsed' ? 'chip-error' : row.damage === 'severe' ? 'chip-warn' : 'chip-info';
  const aid = row.transitional_aid_persons ? ` · 过渡期救助 ${row.transitional_aid_persons} 人` : '';
  const id = shownIdNumber(row.id_number);
  return (
    <li>
      <a class={`card ledger-card ${row.waiting ? 'ledger-waiting' : ''}`} href={editPath(row, eventId, 'houses')} data-ledger="house">
        <span class="ledger-card-head">
          <strong class="ledger-card-name">{row.head_name}</strong>
          <span class={`chip ${tone}`}>{DAMAGE_NAMES[row.damage] || row.damage}</span>
          <StateChips row={row} />
        </span>
        <span class="ledger-card-line">
          {row.structure} · {row.rooms} 间{aid}
          {row.status ? ` · ${HOUSE_STATUS_NAMES[row.status] || row.status}` : ''}
        </span>
        <span class="ledger-card-line muted">户主身份证：{id || '未填'}</span>
        {row.address ? <span class="ledger-card-line muted">{row.address}</span> : null}
        {row.review_status === 'returned' && row.review_comment ? (
          <span class="ledger-card-line">退回原因：{row.review_comment}</span>
        ) : null}
      </a>
    </li>
  );
}
