// 发布预警 (/warnings/new): a township or county reviewer issues a warning to units of its own (GET /org-units).
// Sent straight to the server, not through the outbox: the issuer must know at once that it went out, and a
// desk has a network; without one the form says so and keeps what was typed.
import { ask } from '../components/Dialog.jsx';
import { useState } from 'preact/hooks';
import { Banner, BigButton, ChoiceGrid, FieldError, NumberField, Screen, TextField } from '../components/index.js';
import { useCached } from '../cache.js';
import { useDisasterTypes } from '../disasterTypes.js';
import { flash } from '../flash.js';
import { isoLocal } from '../format.js';
import { navigate } from '../router.js';
import { useSession } from '../session.js';
import { useSend } from '../useSend.js';
import { DEFAULT_ACK_MINUTES, LEVEL_OPTIONS, levelName } from '../warnings.js';
import './warnings.css';

const EXPIRY_OPTIONS = [6, 12, 24, 48].map((hours) => ({ value: hours, label: `${hours} 小时` }));

const EMPTY = { level: '', disaster_type: '', title: '', body: '', minutes: '', expiresInHours: 24, targets: [] };

/** The phone's own checks (the server checks again); the 422 shape. */
export function checkWarning(form) {
  const errors = {};
  if (!form.level) errors.level = ['请选择预警级别'];
  if (!form.disaster_type) errors.disaster_type = ['请选择灾种'];
  if (!form.title.trim()) errors.title = ['请填写标题'];
  if (!form.body.trim()) errors.body = ['请填写预警内容'];
  if (!form.targets.length) errors.target_org_unit_ids = ['请至少选一个接收单位'];
  return errors;
}

export function WarningNew() {
  const { user } = useSession();
  const [form, setForm] = useState(EMPTY);
  const { types } = useDisasterTypes(); // the national list the server publishes (一级灾种)
  const { errors, setErrors, problem, setProblem, sending, send } = useSend();
  const set = (key) => (value) => {
    setForm((previous) => ({ ...previous, [key]: value }));
    setErrors((previous) => ({ ...previous, [key === 'targets' ? 'target_org_unit_ids' : key]: undefined }));
  };
  const defaultMinutes = form.level ? DEFAULT_ACK_MINUTES[form.level] : null;

  const submit = async (event) => {
    event.preventDefault();
    const found = checkWarning(form);
    setErrors(found);
    setProblem(null);
    if (Object.keys(found).length) return;
    const sure = await ask({
      title: `向 ${form.targets.length} 个单位发布${levelName(form.level)}？`,
      message: `「${form.title.trim()}」发布后各村要叫应。`,
      confirmLabel: '确认发布',
    });
    if (!sure) return;
    const json = {
      level: form.level,
      disaster_type: form.disaster_type,
      title: form.title.trim(),
      body: form.body.trim(),
      target_org_unit_ids: form.targets,
      expires_at: isoLocal(new Date(Date.now() + form.expiresInHours * 3600 * 1000)),
    };
    if (form.minutes !== '') json.ack_within_minutes = parseInt(form.minutes, 10);
    await send('/warnings', { method: 'POST', json }, {
      offline: '没有网络，预警没有发出。请联网后再点「发布预警」，填写的内容还在。',
      done: (created) => {
        flash(`已发布${levelName(created.level)}，下面是各村的叫应情况。`);
        navigate(`/warnings/${created.id}/board`, { replace: true });
      },
    });
  };

  return (
    <Screen title="发布预警" back="/">
      <form class="form" onSubmit={submit} noValidate>
        {problem ? <Banner tone="error">{problem}</Banner> : null}
        <ChoiceGrid label="预警级别" name="level" options={LEVEL_OPTIONS} value={form.level} onChange={set('level')} columns={2} errors={errors} required />
        <ChoiceGrid label="灾种" name="disaster_type" options={types.map((t) => ({ value: t.name, label: t.name }))} value={form.disaster_type} onChange={set('disaster_type')} errors={errors} required />
        <TextField label="标题" name="title" value={form.title} onChange={set('title')} errors={errors} required placeholder="如：山洪灾害红色预警" />
        <TextField label="预警内容" name="body" value={form.body} onChange={set('body')} errors={errors} multiline required placeholder="影响范围、时间，要求村里做什么" />
        <Targets unit={user.org_unit} value={form.targets} onChange={set('targets')} errors={errors} />
        <NumberField
          label="叫应时限"
          name="ack_within_minutes"
          value={form.minutes}
          onChange={set('minutes')}
          unit="分钟"
          errors={errors}
          hint={form.level ? (defaultMinutes ? `不填按${levelName(form.level)}默认 ${defaultMinutes} 分钟` : `${levelName(form.level)}默认不需叫应；填了分钟数就要叫应`) : '先选级别：红色默认 30 分钟，橙色 60，黄色 120，蓝色不需叫应'}
        />
        <ChoiceGrid label="有效时长" name="expires_in" options={EXPIRY_OPTIONS} value={form.expiresInHours} onChange={set('expiresInHours')} columns={2} errors={errors} />
        <FieldError errors={errors} path="expires_at" />
        <BigButton type="submit" label={sending ? '正在发布…' : '发布预警'} disabled={sending} />
      </form>
    </Screen>
  );
}

/**
 * The units the warning goes to: the desk's own children (a township's villages, a county's townships); a county
 * may open a township to pick some of its villages. A township or county target reaches all its villages.
 */
function Targets({ unit, value, onChange, errors }) {
  const children = useCached(unit ? `/org-units?parent_id=${unit.id}&per_page=200` : null);
  const list = children.data ? children.data.items : [];
  const all = list.length > 0 && list.every((child) => value.includes(child.id));
  const toggle = (id) => onChange(value.includes(id) ? value.filter((v) => v !== id) : [...value, id]);
  return (
    <fieldset class="field">
      <legend class="field-label">
        发给<span class="required">（必选）</span>
      </legend>
      {children.error && !children.data ? <Banner tone="warn">读不到下级单位：{children.error.message}</Banner> : null}
      {list.length > 1 ? (
        <Check name="all_targets" on={all} onToggle={() => onChange(all ? [] : list.map((child) => child.id))}>
          全部（{list.length} 个）
        </Check>
      ) : null}
      <ul class="target-list">
        {list.map((child) => (
          <TargetRow key={child.id} unit={child} value={value} toggle={toggle} />
        ))}
      </ul>
      <FieldError errors={errors} path="target_org_unit_ids" />
    </fieldset>
  );
}

function TargetRow({ unit, value, toggle }) {
  const [open, setOpen] = useState(false);
  const expandable = unit.level !== 'village' && unit.level !== 'grid';
  const on = value.includes(unit.id);
  return (
    <li>
      <div class="target-row">
        <Check name="target" value={unit.id} on={on} onToggle={() => toggle(unit.id)}>
          {unit.name}
        </Check>
        {expandable && !on ? (
          <button type="button" class="link-button target-expand" aria-expanded={open} onClick={() => setOpen(!open)}>
            {open ? '收起' : '选村'}
          </button>
        ) : null}
      </div>
      {expandable && open && !on ? <SubTargets parent={unit} value={value} toggle={toggle} /> : null}
    </li>
  );
}

function SubTargets({ parent, value, toggle }) {
  const villages = useCached(`/org-units?parent_id=${parent.id}&per_page=200`);
  const list = villages.data ? villages.data.items : [];
  return (
    <ul class="target-list target-sub">
      {list.map((village) => (
        <li key={village.id}>
          <Check name="target" value={village.id} on={value.includes(village.id)} onToggle={() => toggle(village.id)}>
            {village.name}
          </Check>
        </li>
      ))}
    </ul>
  );
}

/** A whole row that ticks (a 52 px target for the thumb; a native checkbox is 13 px). */
function Check({ name, value, on, onToggle, children }) {
  return (
    <button type="button" role="checkbox" aria-checked={on} name={name} value={value} class={`target ${on ? 'target-on' : ''}`} onClick={onToggle}>
      <span class="target-box" aria-hidden="true">
        {on ? '✓' : ''}
      </span>
      {children}
    </button>
  );
}
