// Pieces the warning screens share: the level tag, the countdown, the acknowledgement form (叫应) and two hooks.
// The rules behind them are in warnings.js (pure, tested in Vitest).
import { useEffect, useState } from 'preact/hooks';
import { BigButton, NumberField } from '../components/index.js';
import { enqueue } from '../outbox.js';
import { ackBody, ackPath, createPoller, formatLeft, levelClass, levelName, telHref, timeLeft } from '../warnings.js';
import './warnings.css';

/** The level as coloured text ("红色预警"): never colour alone. */
export function LevelTag({ level }) {
  return <span class={`level-tag ${levelClass(level)}`}>{levelName(level)}</span>;
}

/** Date.now(), refreshed every `ms` while mounted (the countdown's second hand). */
export function useNow(ms = 1000) {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}

/** Call `load` every `intervalMs` while the page is visible, and at once when it comes back (createPoller). */
export function usePolling(load, intervalMs = 15000) {
  useEffect(() => {
    if (!load) return undefined;
    return createPoller({ load, intervalMs });
  }, [load, intervalMs]);
}

/** "还剩 28 分 05 秒 (截止 今天 08:30)", counting down; nothing when the warning asks for no answer. */
export function Countdown({ warning, prefix = '叫应' }) {
  const now = useNow(1000);
  const left = timeLeft(warning, now);
  if (!left) return null;
  const due = new Date(left.dueAt);
  const hhmm = `${String(due.getHours()).padStart(2, '0')}:${String(due.getMinutes()).padStart(2, '0')}`;
  return (
    <p class={`countdown ${left.overdue ? 'countdown-overdue' : ''}`} data-due={left.dueAt} role="timer">
      {prefix}
      {formatLeft(left.ms)}（截止 {hhmm}）
    </p>
  );
}

/**
 * 收到 with one tap; households and persons relayed (到户、到人) may be typed first. The answer goes through the
 * outbox like any report (kind 'ack'), so it waits on the phone when there is no signal and reaches the server
 * once (its client_id). `onQueued` runs after it is safely saved.
 */
export function AckForm({ warning, compact = false, onQueued }) {
  const [households, setHouseholds] = useState('');
  const [persons, setPersons] = useState('');
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState(null);
  const answer = async () => {
    setSaving(true);
    setError(null);
    try {
      await enqueue({
        kind: 'ack',
        url: ackPath(warning.id),
        body: ackBody({ households, persons }),
        label: `${levelName(warning.level)}：${warning.title}`,
      });
      if (onQueued) onQueued();
    } catch (failure) {
      setError(failure.message || String(failure));
    } finally {
      setSaving(false);
    }
  };
  return (
    <div class="ack-form">
      <div class={`two-columns ack-optional ${compact ? 'ack-compact' : ''}`}>
        <NumberField label="已通知户数" name="households_notified" value={households} onChange={setHouseholds} unit="户" />
        <NumberField label="已通知人数" name="persons_notified" value={persons} onChange={setPersons} unit="人" />
      </div>
      <p class="field-hint">户数、人数可以不填，先点「收到」。</p>
      <BigButton label={saving ? '正在保存…' : '收到（叫应）'} onClick={answer} disabled={saving} name="ack" />
      {error ? <p class="field-error">{error}</p> : null}
    </div>
  );
}

/** "已叫应 08:12 李秀英 · 到户 12 到人 40", "已叫应，待发送", or the refusal. */
export function AckDone({ state, ack }) {
  if (state === 'ack_queued') {
    return (
      <p class="ack-done ack-done-wait" data-state={state}>
        ✓ 已叫应，存在手机上，有网络时自动发出<span class="chip chip-warn">未发出</span>
      </p>
    );
  }
  if (state === 'ack_failed') {
    return (
      <p class="ack-done field-error" data-state={state}>
        叫应没有被服务器收下，请到「待发送」查看。
      </p>
    );
  }
  if (state !== 'acknowledged' || !ack) return null;
  const relayed = [
    ack.households_notified != null ? `到户 ${ack.households_notified}` : '',
    ack.persons_notified != null ? `到人 ${ack.persons_notified}` : '',
  ].filter(Boolean);
  return (
    <p class="ack-done ack-done-ok" data-state={state}>
      ✓ 已叫应 {shortTime(ack.acknowledged_at)}
      {ack.by ? ` ${ack.by.name || ack.by.username}` : ''}
      {ack.late ? <span class="chip chip-warn">迟</span> : null}
      {relayed.length ? <span class="muted"> · {relayed.join('，')}</span> : null}
    </p>
  );
}

/**
 * Whom to call about a silent village (a warning not answered, a report not filed): each officer's phone as a tel:
 * link, one tap to dial; a call is the next step (有叫有应, 催报). `silent`: the village is overdue, so a missing
 * phone is said, not left blank.
 */
export function CallOfficers({ officers = [], silent = false }) {
  const callable = officers.filter((officer) => telHref(officer.phone));
  return (
    <div class="board-calls">
      {callable.map((officer) => (
        <a class="tel-link" href={telHref(officer.phone)} key={officer.id || officer.phone}>
          ☎ {officer.name || '信息员'} {officer.phone}
        </a>
      ))}
      {silent && !callable.length ? <span class="no-phone">没有登记信息员电话</span> : null}
    </div>
  );
}

export function shortTime(value) {
  if (!value) return '';
  const d = new Date(value);
  const pad = (n) => String(n).padStart(2, '0');
  const today = new Date().toDateString() === d.toDateString();
  return `${today ? '' : `${d.getMonth() + 1}月${d.getDate()}日 `}${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
