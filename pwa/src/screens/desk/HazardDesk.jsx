// One hazard at the desk (/desk/hazards/:id): what was found, where, its photos (thumbnails; a tap opens the full
// photo), its history, and the next lifecycle step with the fields it needs (POST /hazards/{id}/transitions):
// 核实 (may re-grade the risk), 驳回 (a reason), 开始整改 (措施, 责任人, 监测人, 时限), 销号, 重新打开 (a reason).
// The village reports 整改完成 itself with an after-photo. The version seen is sent: a step taken meanwhile by
// someone else is refused (409), never overwritten.
import { useState } from 'preact/hooks';
import { Banner, BigButton, ChoiceGrid, FieldError, Reading, Screen, TextField, UpdatedAt } from '../../components/index.js';
import { useCached } from '../../cache.js';
import { useSession } from '../../session.js';
import { useSend } from '../../useSend.js';
import { RISK_LEVELS as RISK_CHOICES } from '../HazardNew.jsx';
import { DeskNav, RiskTag, dateTime, day, readError } from './deskParts.jsx';

export const ACTION_NAMES = {
  report: '上报',
  verify: '核实',
  reject: '驳回',
  start_rectification: '开始整改',
  report_rectified: '报告整改完成',
  close: '销号',
  reopen: '重新打开',
};
// The steps a township or county reviewer may take from each status (the server checks again).
export const NEXT_STEPS = {
  reported: ['verify', 'reject'],
  verified: ['start_rectification', 'reject'],
  rectifying: [],
  rectified: ['close', 'start_rectification'],
  closed: ['reopen'],
  rejected: ['reopen'],
};
const ABOVE_VILLAGE = ['province', 'city', 'county', 'township'];
const DETAIL_NAMES = { measures: '措施', responsible_person: '责任人', monitor_person: '监测人', deadline: '时限', risk_level: '风险等级', after_photos: '整改后照片' };

/** The phone's own check of a step's required fields (the server checks again), in the 422 shape. */
export function checkStep(action, form) {
  const errors = {};
  if ((action === 'reject' || action === 'reopen') && !form.comment.trim()) errors.comment = ['请填写原因'];
  if (action === 'start_rectification') {
    if (!form.measures.trim()) errors.measures = ['请填写整改措施'];
    if (!form.responsible_person.trim()) errors.responsible_person = ['请填写责任人'];
    if (!form.deadline) errors.deadline = ['请填写整改时限'];
  }
  return errors;
}

export function HazardDesk({ params }) {
  const { user } = useSession();
  const read = useCached(`/hazards/${params.id}`);
  const [latest, setLatest] = useState(null);
  const hazard = latest && String(latest.id) === params.id ? latest : read.data;
  const supervisor = user.role === 'reviewer' && user.org_unit && ABOVE_VILLAGE.includes(user.org_unit.level);
  return (
    <Screen title={hazard ? hazard.title : '隐患'} back="/desk/hazards">
      <div class="desk-wide">
        <DeskNav />
        <Reading of={[read]} what="隐患" />
        {read.error && !hazard ? <Banner tone="warn">{readError(read.error, '隐患')}</Banner> : null}
        {hazard ? (
          <div class="wide-columns">
            <div>
              <Facts hazard={hazard} />
              <Photos photos={hazard.photos || []} />
            </div>
            <div>
              {supervisor ? <NextStep hazard={hazard} onDone={setLatest} /> : null}
              <History steps={hazard.history || []} />
            </div>
          </div>
        ) : null}
        <UpdatedAt at={read.updatedAt} fromCache={read.fromCache} />
      </div>
    </Screen>
  );
}

function Facts({ hazard }) {
  return (
    <section class="card" aria-label="隐患情况">
      <p>
        <RiskTag level={hazard.risk_level} name={hazard.risk_level_name} />
        <span class="chip" data-status={hazard.status}>
          {hazard.status_name}
        </span>
        {hazard.overdue ? <span class="chip chip-error">整改超期</span> : null}
        {hazard.supervised ? <span class="chip chip-warn">挂牌督办</span> : null}
      </p>
      <dl class="facts-dl">
        <dt>编号</dt>
        <dd>{hazard.number}</dd>
        <dt>村</dt>
        <dd>{hazard.org_unit ? hazard.org_unit.name : ''}</dd>
        <dt>类型</dt>
        <dd>{hazard.category_name}</dd>
        <dt>位置</dt>
        <dd>
          {hazard.address}
          {hazard.lat != null ? ` (${hazard.lat.toFixed(5)}, ${hazard.lon.toFixed(5)})` : ''}
        </dd>
        <dt>威胁</dt>
        <dd>
          {hazard.threatened_households} 户 {hazard.threatened_persons} 人
        </dd>
        <dt>发现</dt>
        <dd>{dateTime(hazard.found_at)}</dd>
        <dt>上报人</dt>
        <dd>{hazard.reported_by ? hazard.reported_by.name || hazard.reported_by.username : ''}</dd>
        {hazard.measures ? (
          <>
            <dt>措施</dt>
            <dd>{hazard.measures}</dd>
            <dt>责任人</dt>
            <dd>{hazard.responsible_person}</dd>
            <dt>监测人</dt>
            <dd>{hazard.monitor_person || '—'}</dd>
            <dt>时限</dt>
            <dd>{day(hazard.deadline)}</dd>
          </>
        ) : null}
      </dl>
      {hazard.description ? <p>{hazard.description}</p> : null}
    </section>
  );
}

function Photos({ photos }) {
  if (!photos.length) return <p class="muted">没有照片。</p>;
  const kindName = { before: '整改前', after: '整改后' };
  return (
    <section aria-label="照片">
      <h2 class="section-title">照片（{photos.length}）</h2>
      <ul class="photo-thumbs">
        {photos.map((photo, index) => (
          <li key={photo.id}>
            <a href={photo.url} target="_blank" rel="noopener">
              <img src={photo.thumbnail_url} alt={`照片 ${index + 1}${photo.kind ? `（${kindName[photo.kind] || photo.kind}）` : ''}，点开看原图`} loading="lazy" />
            </a>
          </li>
        ))}
      </ul>
    </section>
  );
}

function History({ steps }) {
  return (
    <section aria-label="处理记录">
      <h2 class="section-title">处理记录</h2>
      <ol class="hazard-history">
        {steps.map((step, index) => (
          <li key={index} data-action={step.action}>
            <p>
              <strong>{ACTION_NAMES[step.action] || step.action}</strong>{' '}
              <span class="step-when">
                {dateTime(step.at)} {step.by ? step.by.name || step.by.username : ''}
              </span>
            </p>
            {step.comment ? <p>{step.comment}</p> : null}
            {Object.entries(step.details || {})
              .filter(([key]) => DETAIL_NAMES[key])
              .map(([key, value]) => (
                <p key={key} class="muted">
                  {DETAIL_NAMES[key]}：{key === 'deadline' ? day(value) : Array.isArray(value) ? value.join(' → ') : String(value)}
                </p>
              ))}
          </li>
        ))}
      </ol>
    </section>
  );
}

const EMPTY = { comment: '', measures: '', responsible_person: '', monitor_person: '', deadline: '', risk_level: '' };

function NextStep({ hazard, onDone }) {
  const steps = NEXT_STEPS[hazard.status] || [];
  const [action, setAction] = useState(null);
  const [form, setForm] = useState(EMPTY);
  const { errors, setErrors, problem, setProblem, sending, send } = useSend();
  const set = (key) => (value) => {
    setForm((previous) => ({ ...previous, [key]: value }));
    setErrors((previous) => ({ ...previous, [key]: undefined }));
  };
  const choose = (next) => {
    setAction(next);
    setErrors({});
    setProblem(null);
    setForm(
      next === 'start_rectification'
        ? { ...EMPTY, measures: hazard.measures || '', responsible_person: hazard.responsible_person || '', monitor_person: hazard.monitor_person || '' }
        : { ...EMPTY, risk_level: hazard.risk_level },
    );
  };
  if (hazard.status === 'rectifying') {
    return <Banner tone="info">整改中：由村里上传整改后照片并报告整改完成，之后在这里销号。</Banner>;
  }
  if (!steps.length) return null;

  const submit = async (event) => {
    event.preventDefault();
    const found = checkStep(action, form);
    setErrors(found);
    if (Object.keys(found).length) return;
    const json = { action, comment: form.comment.trim(), version: hazard.version };
    if (action === 'verify' && form.risk_level !== hazard.risk_level) json.risk_level = form.risk_level;
    if (action === 'start_rectification') {
      Object.assign(json, {
        measures: form.measures.trim(),
        responsible_person: form.responsible_person.trim(),
        monitor_person: form.monitor_person.trim(),
        deadline: form.deadline,
      });
    }
    await send(`/hazards/${hazard.id}/transitions`, { method: 'POST', json }, {
      offline: '没有网络，这一步没有提交。请联网后再试，填写的内容还在。',
      done: (updated) => {
        setAction(null);
        onDone(updated);
      },
    });
  };

  return (
    <section class="card" aria-label="处理">
      <h2 class="section-title">处理</h2>
      <div class="button-row">
        {steps.map((step) => (
          <button key={step} type="button" class={`big-button ${action === step ? 'big-button-primary' : step === 'reject' ? 'big-button-danger' : 'big-button-secondary'}`} aria-pressed={action === step} onClick={() => choose(step)}>
            {ACTION_NAMES[step]}
          </button>
        ))}
      </div>
      {action ? (
        <form class="form" onSubmit={submit} noValidate>
          {problem ? <Banner tone="error">{problem}</Banner> : null}
          {action === 'verify' ? (
            <ChoiceGrid label="风险等级（核实后可调整）" name="risk_level" options={RISK_CHOICES} value={form.risk_level} onChange={set('risk_level')} columns={2} errors={errors} />
          ) : null}
          {action === 'start_rectification' ? (
            <>
              <TextField label="整改措施" name="measures" value={form.measures} onChange={set('measures')} errors={errors} multiline required placeholder="如：设置警示牌，雨天转移坡下 3 户" />
              <TextField label="责任人" name="responsible_person" value={form.responsible_person} onChange={set('responsible_person')} errors={errors} required />
              <TextField label="监测人" name="monitor_person" value={form.monitor_person} onChange={set('monitor_person')} errors={errors} />
              <label class="field">
                <span class="field-label">
                  整改时限<span class="required">（必填）</span>
                </span>
                <input class="input" type="date" name="deadline" value={form.deadline} onInput={(e) => set('deadline')(e.currentTarget.value)} />
                <FieldError errors={errors} path="deadline" />
              </label>
            </>
          ) : null}
          <TextField
            label={action === 'reject' ? '驳回原因' : action === 'reopen' ? '重新打开的原因' : '说明'}
            name="comment"
            value={form.comment}
            onChange={set('comment')}
            errors={errors}
            multiline
            required={action === 'reject' || action === 'reopen'}
          />
          <BigButton type="submit" tone={action === 'reject' ? 'danger' : 'primary'} label={sending ? '正在提交…' : `确认${ACTION_NAMES[action]}`} disabled={sending} />
        </form>
      ) : null}
    </section>
  );
}
