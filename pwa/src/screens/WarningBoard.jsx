// 叫应情况 (/warnings/:id/board): per target village answered, late or silent, the silent first with their
// officers' phone numbers as tel: links (a call is the next step, 有叫有应). Read again every 15 s while the
// screen is visible, never while the phone is in a pocket (usePolling → warnings.js createPoller).
import { ask } from '../components/Dialog.jsx';
import { useCallback, useState } from 'preact/hooks';
import { Banner, BigButton, ChoiceGrid, FieldError, Reading, Screen, TextField, UpdatedAt } from '../components/index.js';
import { useCached } from '../cache.js';
import { useSession } from '../session.js';
import { useSend } from '../useSend.js';
import { clock, isoLocal } from '../format.js';
import { ACK_STATUS_NAMES, ackDueAt, boardView, isActive, LEVEL_OPTIONS, levelName, rateText } from '../warnings.js';
import { CallOfficers, Countdown, LevelTag, shortTime, useNow, usePolling } from './WarningParts.jsx';

export const BOARD_POLL_MS = 15000;

export function WarningBoard({ params }) {
  const warning = useCached(`/warnings/${params.id}`);
  const status = useCached(`/warnings/${params.id}/status`);
  const { user } = useSession();
  const reload = useCallback(() => {
    status.reload();
  }, [status.reload]);
  usePolling(reload, BOARD_POLL_MS);
  const now = useNow(5000);
  const w = warning.data;
  const reread = () => {
    warning.reload();
    status.reload();
  };
  const error = status.error && !status.data ? status.error : null;

  return (
    <Screen title="叫应情况" back="/">
      {w ? <WarningHead warning={w} /> : null}
      <Reading of={[status]} what="叫应情况" />
      {error ? <Banner tone={error.status === 0 ? 'warn' : 'error'}>{error.status === 0 ? '没有网络，还没读到叫应情况。' : error.message}</Banner> : null}
      {status.data ? <Board status={status.data} dueAt={w ? ackDueAt(w) : null} now={now} /> : null}
      <UpdatedAt at={status.updatedAt} fromCache={status.fromCache} />
      <p class="muted">本页打开时每 15 秒自动刷新。</p>
      {w && user.role === 'reviewer' && isActive(w) ? (
        <div class="warning-actions">
          <EditWarning key={`edit-${w.version}`} warning={w} onDone={reread} />
          <CancelWarning warning={w} onDone={reread} />
        </div>
      ) : null}
    </Screen>
  );
}

function WarningHead({ warning }) {
  return (
    <div class={`card warning-card level-${warning.level}`}>
      <p>
        <LevelTag level={warning.level} />
        {warning.status === 'cancelled' ? <span class="chip chip-error">已撤销</span> : null}
        {warning.status !== 'cancelled' && !isActive(warning) ? <span class="chip">已过期</span> : null}
      </p>
      <h2 class="warning-title">{warning.title}</h2>
      <p class="muted">{shortTime(warning.issued_at)} 发布</p>
      <Countdown warning={warning} prefix="叫应时限" />
      <a class="link-button warning-full" href={`/warnings/${warning.id}`}>
        看预警全文
      </a>
    </div>
  );
}

function Board({ status, dueAt, now }) {
  const { units, counts } = boardView(status, { dueAt, now });
  const rate = rateText(counts);
  const share = counts.targets ? counts.acknowledged / counts.targets : 0;
  const silent = units.filter((unit) => unit.state === 'overdue');
  return (
    <>
      <section class="card" aria-label="叫应率">
        <div class="rate-box">
          <span class="rate-count" data-testid="rate-count">{rate.count}</span>
          <span class="rate-percent" data-testid="rate-percent">已叫应 {rate.percent}</span>
        </div>
        <div class="rate-bar" aria-hidden="true">
          <div class={`rate-bar-fill w-${Math.round(share * 20) * 5}`} />
        </div>
        <div class="count-row">
          <span class="chip chip-ok">按时 {counts.acknowledged - counts.late}</span>
          <span class="chip chip-warn">迟 {counts.late}</span>
          <span class="chip chip-error">超时未叫应 {silent.length}</span>
          <span class="chip">待叫应 {units.filter((unit) => unit.state === 'waiting' || unit.state === 'open').length}</span>
        </div>
      </section>
      {status.townships && status.townships.length ? <Townships townships={status.townships} /> : null}
      <ul class="board-list">
        {units.map((unit) => (
          <BoardUnit key={unit.org_unit.id} unit={unit} />
        ))}
      </ul>
    </>
  );
}

/** A county warning rolled up by township (when the server gives it). */
function Townships({ townships }) {
  return (
    <section class="card">
      <h2 class="section-title">按乡镇</h2>
      {townships.map((row) => (
        <p class="figure" key={row.org_unit.id}>
          <span>{row.org_unit.name}</span>
          <span class="figure-value">
            {row.acknowledged} / {row.targets}
            {row.overdue ? <span class="chip chip-error">超时 {row.overdue}</span> : null}
          </span>
        </p>
      ))}
    </section>
  );
}

function BoardUnit({ unit }) {
  const answered = unit.state === 'on_time' || unit.state === 'late';
  return (
    <li class={`card board-unit board-${unit.state}`} data-unit={unit.org_unit.name} data-state={unit.state}>
      <span class="board-unit-name">{unit.org_unit.name}</span>
      <span class="board-unit-state">{ACK_STATUS_NAMES[unit.state]}</span>
      {answered ? (
        <p class="board-unit-detail">
          {shortTime(unit.acknowledged_at)} {unit.by ? unit.by.name || unit.by.username : ''}
          {unit.households_notified != null ? ` · 到户 ${unit.households_notified}` : ''}
          {unit.persons_notified != null ? ` · 到人 ${unit.persons_notified}` : ''}
        </p>
      ) : (
        <CallOfficers officers={unit.officers} silent={unit.state === 'overdue'} />
      )}
    </li>
  );
}

/** 撤销预警 with the reason (the server requires one and audits it); the villages' banners go with the next read. */
function CancelWarning({ warning, onDone }) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const { errors, setErrors, problem, send } = useSend();
  if (!open) return <BigButton label="撤销预警" tone="danger" onClick={() => setOpen(true)} />;
  const cancel = async () => {
    if (!reason.trim()) {
      setErrors({ reason: ['请填写撤销原因'] });
      return;
    }
    const json = { reason: reason.trim(), version: warning.version };
    await send(`/warnings/${warning.id}/cancel`, { method: 'POST', json }, { offline: '没有网络，没有撤销。', done: () => (setOpen(false), onDone()) });
  };
  return (
    <section class="card" aria-label="撤销预警">
      {problem ? <Banner tone="error">{problem}</Banner> : null}
      <TextField label="撤销原因" name="reason" value={reason} onChange={setReason} errors={errors} required multiline />
      <div class="button-row">
        <BigButton label="确认撤销" tone="danger" onClick={cancel} />
        <BigButton label="不撤销" tone="secondary" onClick={() => setOpen(false)} />
      </div>
    </section>
  );
}

const EXTEND_OPTIONS = [
  { value: 0, label: '不变' },
  ...[6, 12, 24].map((hours) => ({ value: hours, label: `延长 ${hours} 小时` })),
];

/**
 * 修改预警: the level, the words, a longer validity. Any change is a new revision: every target village must
 * acknowledge again within the (new) window, so the form says so before sending. Only what changed is sent, with
 * the version read (someone else's change meanwhile is a 409, shown in its words).
 */
function EditWarning({ warning, onDone }) {
  const [open, setOpen] = useState(false);
  const [form, setForm] = useState({ level: warning.level, title: warning.title, body: warning.body || '', extend: 0 });
  const { errors, setErrors, problem, setProblem, sending, send } = useSend();
  if (!open) return <BigButton label="修改预警" tone="secondary" onClick={() => setOpen(true)} />;
  const set = (key) => (value) => {
    setForm((previous) => ({ ...previous, [key]: value }));
    setErrors((previous) => ({ ...previous, [key === 'extend' ? 'expires_at' : key]: undefined }));
    setProblem(null);
  };
  const save = async () => {
    const json = { version: warning.version };
    if (form.level !== warning.level) json.level = form.level;
    if (form.title.trim() !== warning.title) json.title = form.title.trim();
    if (form.body.trim() !== (warning.body || '')) json.body = form.body.trim();
    const until = warning.expires_at ? new Date(warning.expires_at).getTime() : Date.now();
    if (form.extend) json.expires_at = isoLocal(new Date(until + form.extend * 3600 * 1000));
    if (!form.title.trim()) return setErrors({ title: ['请填写标题'] });
    if (Object.keys(json).length === 1) return setProblem('没有改动。');
    const sure = await ask({ title: '确定修改这条预警？', message: `修改后各村要重新叫应（${levelName(form.level)}）。`, confirmLabel: '确认修改' });
    if (!sure) return;
    await send(`/warnings/${warning.id}`, { method: 'PATCH', json }, {
      offline: '没有网络，没有修改。填写的内容还在，联网后再点「保存修改」。',
      done: () => (setOpen(false), onDone()),
    });
  };
  return (
    <section class="card" aria-label="修改预警">
      {problem ? <Banner tone="error">{problem}</Banner> : null}
      <ChoiceGrid label="预警级别" name="level" options={LEVEL_OPTIONS} value={form.level} onChange={set('level')} columns={2} errors={errors} />
      <TextField label="标题" name="title" value={form.title} onChange={set('title')} errors={errors} required />
      <TextField label="预警内容" name="body" value={form.body} onChange={set('body')} errors={errors} multiline />
      <ChoiceGrid label="有效期" name="extend" options={EXTEND_OPTIONS} value={form.extend} onChange={set('extend')} columns={2} errors={errors} />
      <FieldError errors={errors} path="expires_at" />
      <p class="muted">
        {warning.expires_at ? `现在有效至 ${clock(warning.expires_at)}。` : ''}修改后，各村须重新叫应。
      </p>
      <div class="button-row">
        <BigButton label={sending ? '正在保存…' : '保存修改'} onClick={save} disabled={sending} />
        <BigButton label="不修改" tone="secondary" onClick={() => setOpen(false)} />
      </div>
    </section>
  );
}
