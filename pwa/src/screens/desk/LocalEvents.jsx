// 本地事件 (/desk/local-events): the events villages reported from below, waiting for the township's decision
// (GET /events?status=pending&local=true). Each: 确认 (it becomes an event of its own), 合并到… an event that
// already covers the village, chosen from the list (its reports and ledger rows move there), or 驳回 with the
// reason the village reads.
import { useState } from 'preact/hooks';
import { Banner, BigButton, Reading, Screen, TextField, UpdatedAt } from '../../components/index.js';
import { useCached } from '../../cache.js';
import { useSend } from '../../useSend.js';
import { damageLine } from '../shared.jsx';
import { shortTime } from './parts.jsx';

export function LocalEvents() {
  const pending = useCached('/events?status=pending&local=true&per_page=100');
  const events = useCached('/events?per_page=200');
  const [said, setSaid] = useState(null);
  const decided = (text) => {
    setSaid(text);
    pending.reload();
    events.reload();
  };
  const items = pending.data ? pending.data.items : [];
  const targets = events.data
    ? events.data.items.filter((event) => (event.status === 'active' || event.status === 'stable') && !event.drill)
    : [];
  return (
    <Screen title="本地事件" back="/">
      <div class="desk-wide">
        <p class="muted">村里上报的本地灾害事件，请确认、合并到已有的灾害过程，或驳回。</p>
        {said ? <Banner tone="ok">{said}</Banner> : null}
        <Reading of={[pending]} what="本地事件" />
        {pending.error && !pending.data ? <Banner tone="warn">{pending.error.message}</Banner> : null}
        {pending.data && !items.length ? <p class="muted">没有待确认的本地事件。</p> : null}
        <ul class="plain-list local-list">
          {items.map((event) => (
            <LocalEvent key={event.id} event={event} targets={targets.filter((t) => t.id !== event.id)} onDone={decided} />
          ))}
        </ul>
        <UpdatedAt at={pending.updatedAt} fromCache={pending.fromCache} />
      </div>
    </Screen>
  );
}

function LocalEvent({ event, targets, onDone }) {
  const [mode, setMode] = useState(null); // null | 'merge' | 'reject'
  const [into, setInto] = useState(null);
  const [reason, setReason] = useState('');
  const { errors, setErrors, problem, setProblem, sending, send } = useSend();
  const village = event.org_unit ? event.org_unit.name : '';
  const decide = (path, json, text) =>
    send(`/events/${event.id}/${path}`, { method: 'POST', json }, { offline: '没有网络，没有提交。', done: () => onDone(text) });
  const merge = () => {
    if (!into) return setProblem('请先选择要合并到的灾害过程。');
    const target = targets.find((t) => t.id === into);
    return decide('merge', { into_event_id: into }, `已合并：${village}「${event.name}」并入「${target ? target.name : ''}」`);
  };
  const reject = () => {
    if (!reason.trim()) return setErrors({ reason: ['请填写驳回原因，村里会看到'] });
    return decide('reject', { reason: reason.trim() }, `已驳回：${village}「${event.name}」`);
  };
  return (
    <li class="card local-event" data-event={event.id}>
      <h2 class="card-title">{event.name}</h2>
      <p>
        <strong>{village}</strong> · {event.disaster_type}
        {event.disaster_subtype ? `（${event.disaster_subtype}）` : ''} · {shortTime(event.started_at)} 发生
      </p>
      {event.description ? <p class="muted">{event.description}</p> : null}
      <InitialReport eventId={event.id} />
      {problem ? <Banner tone="error">{problem}</Banner> : null}
      {mode === null ? (
        <div class="button-row button-row-3">
          <BigButton label="确认" onClick={() => decide('confirm', undefined, `已确认：${village}「${event.name}」`)} disabled={sending} />
          <BigButton label="合并到…" tone="secondary" onClick={() => setMode('merge')} />
          <BigButton label="驳回" tone="danger" onClick={() => setMode('reject')} />
        </div>
      ) : null}
      {mode === 'merge' ? (
        <fieldset class="field merge-box">
          <legend class="field-label">合并到哪个灾害过程</legend>
          {!targets.length ? <p class="muted">没有进行中的灾害过程可以合并。</p> : null}
          <div class="target-list" role="radiogroup" aria-label="合并到">
            {targets.map((target) => (
              <button
                type="button"
                role="radio"
                aria-checked={into === target.id}
                class={`target ${into === target.id ? 'target-on' : ''}`}
                key={target.id}
                onClick={() => (setInto(target.id), setProblem(null))}
              >
                <span class="target-box" aria-hidden="true">
                  {into === target.id ? '✓' : ''}
                </span>
                <span>
                  {target.name}
                  <span class="muted target-area">{target.org_unit ? ` ${target.org_unit.name}` : ''}</span>
                </span>
              </button>
            ))}
          </div>
          <p class="field-hint">合并后，该村的报告和台账转入所选的灾害过程。</p>
          <div class="button-row">
            <BigButton label="确认合并" onClick={merge} disabled={sending} />
            <BigButton label="不合并" tone="secondary" onClick={() => setMode(null)} />
          </div>
        </fieldset>
      ) : null}
      {mode === 'reject' ? (
        <>
          <TextField label="驳回原因" name="reason" value={reason} onChange={(text) => (setReason(text), setErrors({}))} errors={errors} required multiline hint="村里会在手机上看到。" />
          <div class="button-row">
            <BigButton label="确认驳回" tone="danger" onClick={reject} disabled={sending} />
            <BigButton label="不驳回" tone="secondary" onClick={() => setMode(null)} />
          </div>
        </>
      ) : null}
    </li>
  );
}

/** The 初报 the village filed with its event: what it says, and a link to read it whole. */
function InitialReport({ eventId }) {
  const reports = useCached(`/damage-reports?event_id=${eventId}&per_page=1`);
  const report = reports.data && reports.data.items[0];
  if (!report) return null;
  return (
    <p class="initial-report">
      初报：{damageLine(report)}{' '}
      <a class="unit-link" href={`/reports/damage/${report.id}`}>
        看初报 ›
      </a>
    </p>
  );
}
