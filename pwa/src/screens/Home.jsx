import { useEffect, useState } from 'preact/hooks';
import {
  ask,
  Banner,
  BigButton,
  firstRead,
  OthersWaiting,
  Reading,
  Screen,
  UpdatedAt,
  WeChatHint,
} from '../components/index.js';
import { useCached } from '../cache.js';
import { age, clock } from '../format.js';
import { DAMAGE_LIST } from '../reportLists.js';
import { navigate } from '../router.js';
import { stageName } from '../rules/stage.js';
import { logOut, useSession } from '../session.js';
import { useOutbox } from '../useOutbox.js';
import { ReturnedCard, waitingReturns } from './ReturnedCard.jsx';
import { ACTIVE_WARNINGS, WarningBanners } from './WarningBanner.jsx';
import { DISASTER_TYPES, QueuedLocalEvents } from './LocalEventNew.jsx';

export function Home() {
  const { user } = useSession();
  const outbox = useOutbox();
  // Three lists, each cached for offline: what the village reports into now (active, and a local event it reported
  // that its township has not decided yet), and events gone stable, which still owe their 核报 within days.
  const events = useCached('/events?status=active&per_page=20');
  const pending = useCached('/events?status=pending&per_page=20');
  const stable = useCached('/events?status=stable&per_page=20');
  useCached(DISASTER_TYPES); // read while online, so 报告新灾情 offers the national list offline too
  const list = [...items(events), ...items(pending)];
  const settling = items(stable);
  const waiting = outbox.items.length;
  const oldest = waiting ? outbox.items[0].createdAt : null;
  // Returned reports come first: the township is waiting for the corrected one (issue 18, item 6).
  const damage = useCached(DAMAGE_LIST);
  const returns = waitingReturns(damage.data ? damage.data.items : [], outbox.items);
  const eventName = (id) => ([...list, ...settling].find((e) => e.id === id) || {}).name || `灾害过程 ${id}`;
  const [leaveError, setLeaveError] = useState(null);
  const warnings = useCached(ACTIVE_WARNINGS);
  const [dueRead, setDueRead] = useState({});
  const onDueRead = (id) => setDueRead((read) => (read[id] ? read : { ...read, [id]: true }));
  const shown = useShownWhenRead(
    outbox.loaded &&
      ![warnings, events, pending, stable, damage].some(firstRead) &&
      [...list, ...settling].every((event) => dueRead[event.id]),
  );

  const leave = async () => {
    const note = waiting
      ? `还有 ${waiting} 条待发送。退出后它们仍保存在手机上，只在您（${user.name || user.username}）再次登录后发送，别人登录不会发送，也看不到内容。`
      : '';
    if (!(await ask({ title: '确定退出登录吗？', message: note, confirmLabel: '退出' }))) return;
    try {
      await logOut();
    } catch (error) {
      setLeaveError(error.message);
    }
  };

  return (
    <Screen title="网格灾情报送">
      <WeChatHint />
      {shown ? null : <p class="muted reading home-reading">正在读取…</p>}
      {/* Mounted (and reading) at once, shown in one piece once the first reads are in: warnings, returned reports
          and event cards arriving one by one would push 我的报告/待发送 down under the person's thumb (CLS). */}
      <div class="home-body" hidden={!shown}>
        <WarningBanners read={warnings} />
        <p class="who">
          <strong>{user.org_unit ? user.org_unit.name : ''}</strong> {user.name || user.username}
        </p>
        {returns.map((report) => (
          <ReturnedCard key={report.id} report={report} eventName={eventName(report.event_id)} />
        ))}
        {outbox.attention.length ? (
          <Banner tone="error" action={{ label: '去处理', onClick: () => navigate('/outbox') }}>
            有 {outbox.attention.length} 条需要处理，服务器没有收下。
          </Banner>
        ) : null}
        {waiting && !outbox.attention.length ? (
          <Banner tone="warn" action={{ label: '查看', onClick: () => navigate('/outbox') }}>
            {waiting} 条待发送，最早的保存于{age(oldest)}。有网络时会自动发送。
          </Banner>
        ) : null}
        <OthersWaiting others={outbox.others} />

        <BigButton label="上报隐患" sub="滑坡、山洪、危房等" href="/hazards/new" />

        <section class="events">
          <h2 class="section-title">进行中的灾害过程</h2>
          <Reading of={[events]} what="灾害过程" />
          {events.error && !events.data ? <Banner tone="warn">还没有读到灾害过程（需要联网一次）。</Banner> : null}
          {events.data && !list.length ? <p class="muted">暂无进行中的灾害过程。有灾情时，县或乡镇开启后这里会出现。</p> : null}
          {list.map((event) => (
            <EventCard key={event.id} event={event} queued={queuedReport(outbox.items, event.id)} onRead={onDueRead} />
          ))}
          <QueuedLocalEvents
            outbox={outbox}
            onSent={() => {
              events.reload();
              pending.reload();
            }}
          />
          <UpdatedAt at={events.updatedAt} fromCache={events.fromCache} />
          <BigButton label="报告新灾情" sub="没有进行中的灾害过程时" tone="secondary" href="/local-events/new" />
        </section>

        {settling.length ? (
          <section class="events">
            <h2 class="section-title">稳定阶段（待核报）</h2>
            <p class="muted">灾情已稳定，请在截止前报送核报（最终数字）。</p>
            {settling.map((event) => (
              <EventCard key={event.id} event={event} queued={queuedReport(outbox.items, event.id)} onRead={onDueRead} />
            ))}
          </section>
        ) : null}

        <div class="button-row">
          <BigButton label="我的报告" tone="secondary" href="/reports" />
          <BigButton label="待发送" tone="secondary" href="/outbox" badge={waiting || null} />
        </div>
        {leaveError ? <Banner tone="error">{leaveError}</Banner> : null}
        <button type="button" class="link-button logout" onClick={leave}>
          退出
        </button>
      </div>
    </Screen>
  );
}

// How long Home waits for its first reads before showing what it has: on a weak signal the buttons (上报隐患,
// 待发送) must not wait long for the network; whatever comes later may then still push the row below it. On slow
// 3G (400 ms RTT) the lists and then the cards' deadlines take 1-1.5 s (bench/bench_pwa_lighthouse.py).
const PATIENCE_MS = 2000;

/** True once `ready` was true or PATIENCE_MS passed since the screen opened; then true for good. */
function useShownWhenRead(ready) {
  const [shown, setShown] = useState(ready);
  useEffect(() => {
    if (ready) setShown(true);
  }, [ready]);
  useEffect(() => {
    const timer = setTimeout(() => setShown(true), PATIENCE_MS);
    return () => clearTimeout(timer);
  }, []);
  return shown || ready;
}

function items(cached) {
  return cached.data ? cached.data.items : [];
}

/** The newest damage report of this event still in the user's outbox (waiting or refused), or null. */
function queuedReport(items, eventId) {
  const url = `/events/${eventId}/damage-reports`;
  const mine = items.filter((item) => item.kind === 'damage' && item.url === url);
  return mine.length ? mine[mine.length - 1] : null;
}

function EventCard({ event, queued, onRead }) {
  const due = useCached(`/events/${event.id}/deadlines`);
  const dueKnown = !firstRead(due);
  useEffect(() => {
    if (dueKnown) onRead(event.id);
  }, [dueKnown, event.id]);
  // Read while online so 报灾情 offline still knows the village's reports (and so which stage comes next):
  // the same path DamageForm reads.
  useCached(`/damage-reports?event_id=${event.id}&per_page=200`);
  // A reporter's node is its village: one row, its own status (a reviewer's node lists many villages).
  const mine = due.data && due.data.units && due.data.units.length === 1 ? due.data.units[0] : null;
  return (
    <article class="card event-card">
      <h3 class="card-title">
        {event.name}
        {event.drill ? <span class="chip">演练</span> : null}
        {event.status === 'stable' ? <span class="chip">稳定</span> : null}
        {event.status === 'pending' ? <span class="chip">待乡镇确认</span> : null}
      </h3>
      {queued ? (
        <QueuedLine item={queued} />
      ) : due.data ? (
        <DueLine due={due.data} mine={mine} />
      ) : dueKnown ? null : (
        <p class="due due-reading" aria-hidden="true" />
      )}
      <div class="button-row">
        <BigButton label={event.status === 'stable' ? '报核报' : '报灾情'} href={`/events/${event.id}/damage/new`} />
        <BigButton label="报转移" tone="secondary" href={`/events/${event.id}/evacuation/new`} />
      </div>
      <a class="ledger-link event-ledgers" href={`/events/${event.id}/ledgers`}>
        台账（死亡失踪、倒损住房）
      </a>
    </article>
  );
}

/**
 * A report of this event saved on the phone and not yet delivered: the card says so instead of 现在要报：初报 (the
 * server does not know it yet, the person does).
 */
function QueuedLine({ item }) {
  const name = stageName(item.body.stage) || '灾情报告';
  if (item.status === 'needs_attention') {
    return (
      <p class="due due-missing">
        {name}没有被接受，请到「待发送」修改后重发 <span class="chip chip-error">需要处理</span>
      </p>
    );
  }
  return (
    <p class="due">
      {name}已存手机，等待发送 <span class="chip chip-warn">待发送</span>
    </p>
  );
}

/** What the village owes now, in the words of its status (a reviewer's node has no single status). */
function DueLine({ due, mine }) {
  if (due.obligation === 'none') return <p class="muted">这次灾害已核报，不用再报。</p>;
  const name = due.obligation === 'daily' ? '今日续报' : due.obligation_name;
  const by = due.due_at ? `截止 ${clock(due.due_at)}` : '';
  const status = mine ? mine.status : 'pending';
  if (status === 'on_time') return <p class="due due-ok">{name}已按时报送 <span class="chip chip-ok">按时</span></p>;
  if (status === 'late') return <p class="due">{name}已报送 <span class="chip chip-warn">迟报</span></p>;
  if (status === 'missing') {
    return (
      <p class="due due-missing">
        现在要报：<strong>{name}</strong>，已过{by.replace('截止 ', '截止时间 ')}，请尽快报 <span class="chip chip-error">未报</span>
      </p>
    );
  }
  return (
    <p class="due">
      现在要报：<strong>{name}</strong>
      {by ? `，${by}` : ''}
    </p>
  );
}
