// 开启灾害过程 (/desk/events/new): a reviewer opens an event over its own unit or one of its children — 名称, 灾种 and
// 亚灾种 from the national list the server publishes (GET /disaster-types), 范围, 开始时间, 演练 or not — then lands on
// the event's desk page. Sent straight to the server (a desk has a network): it must know at once it went.
import { useState } from 'preact/hooks';
import { Banner, BigButton, ChoiceGrid, FieldError, Reading, Screen, TextField } from '../../components/index.js';
import { useCached } from '../../cache.js';
import { useDisasterTypes } from '../../disasterTypes.js';
import { flash } from '../../flash.js';
import { isoLocal } from '../../format.js';
import { navigate } from '../../router.js';
import { useSession } from '../../session.js';
import { useSend } from '../../useSend.js';
import { DeskNav, SelectField, readError } from './deskParts.jsx';

const pad = (n) => String(n).padStart(2, '0');
/** The value of a datetime-local input for `d` (the phone's own zone). */
function localInput(d) {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

const DRILL_OPTIONS = [
  { value: false, label: '真实灾害' },
  { value: true, label: '演练' },
];

export function checkEvent(form, types) {
  const errors = {};
  if (!form.name.trim()) errors.name = ['请填写灾害过程名称'];
  if (!form.disaster_type) errors.disaster_type = ['请选择灾种'];
  const type = types.find((t) => t.name === form.disaster_type);
  if (type && type.subtypes.length && !form.disaster_subtype) errors.disaster_subtype = ['请选择亚灾种'];
  if (!form.org_unit_id) errors.org_unit_id = ['请选择范围'];
  if (!form.started_at) errors.started_at = ['请填写开始时间'];
  return errors;
}

export function EventNew() {
  const { user } = useSession();
  const { types, read } = useDisasterTypes();
  const children = useCached(`/org-units?parent_id=${user.org_unit.id}&per_page=200`);
  const [form, setForm] = useState(() => ({
    name: '',
    disaster_type: '',
    disaster_subtype: '',
    org_unit_id: String(user.org_unit.id),
    started_at: localInput(new Date()),
    drill: false,
  }));
  const { errors, setErrors, problem, setProblem, sending, send } = useSend();
  const set = (key) => (value) => {
    setForm((previous) => ({ ...previous, [key]: value, ...(key === 'disaster_type' ? { disaster_subtype: '' } : {}) }));
    setErrors((previous) => ({ ...previous, [key]: undefined }));
  };
  const type = types.find((t) => t.name === form.disaster_type);
  const areas = [
    { value: String(user.org_unit.id), label: `${user.org_unit.name}（全部）` },
    ...(children.data ? children.data.items.filter((unit) => unit.level !== 'grid') : []).map((unit) => ({
      value: String(unit.id),
      label: unit.name,
    })),
  ];

  if (user.role !== 'reviewer') {
    return (
      <Screen title="开启灾害过程" back="/">
        <Banner tone="warn">只有审核员可以开启灾害过程。</Banner>
      </Screen>
    );
  }

  const submit = async (event) => {
    event.preventDefault();
    const found = checkEvent(form, types);
    setErrors(found);
    setProblem(null);
    if (Object.keys(found).length) return;
    const json = {
      name: form.name.trim(),
      disaster_type: form.disaster_type,
      disaster_subtype: form.disaster_subtype || null,
      org_unit_id: parseInt(form.org_unit_id, 10),
      started_at: isoLocal(new Date(form.started_at)),
      drill: form.drill,
    };
    await send('/events', { method: 'POST', json }, {
      offline: '没有网络，灾害过程没有开启。请联网后再点「开启」，填写的内容还在。',
      done: (created) => {
        flash(`已开启「${created.name}」${created.drill ? '（演练）' : ''}，各村现在要报初报。`);
        navigate(`/desk/events/${created.id}`, { replace: true });
      },
    });
  };

  return (
    <Screen title="开启灾害过程" back="/">
      <div class="desk-wide">
        <DeskNav />
        <Reading of={[read]} what="灾种目录" />
        {read.error && !read.data ? <Banner tone="warn">{readError(read.error, '灾种目录')}</Banner> : null}
        <form class="form" onSubmit={submit} noValidate>
          {problem ? <Banner tone="error">{problem}</Banner> : null}
          <div class="wide-columns">
            <div>
              <TextField label="名称" name="name" value={form.name} onChange={set('name')} errors={errors} required placeholder="如：7月强降雨洪涝" />
              <ChoiceGrid label="灾种" name="disaster_type" options={types.map((t) => ({ value: t.name, label: t.name }))} value={form.disaster_type} onChange={set('disaster_type')} errors={errors} required />
              {type && type.subtypes.length ? (
                <ChoiceGrid label="亚灾种" name="disaster_subtype" options={type.subtypes.map((s) => ({ value: s, label: s }))} value={form.disaster_subtype} onChange={set('disaster_subtype')} columns={2} errors={errors} required />
              ) : null}
            </div>
            <div>
              <SelectField label="范围" name="org_unit_id" value={form.org_unit_id} onChange={set('org_unit_id')} options={areas} errors={errors} required hint="范围内的村都要报送灾情" />
              <label class="field">
                <span class="field-label">开始时间</span>
                <input class="input" type="datetime-local" name="started_at" value={form.started_at} onInput={(e) => set('started_at')(e.currentTarget.value)} />
                <span class="field-hint">初报时限从这个时间算起</span>
                <FieldError errors={errors} path="started_at" />
              </label>
              <ChoiceGrid label="真实或演练" name="drill" options={DRILL_OPTIONS} value={form.drill} onChange={set('drill')} columns={2} errors={errors} />
              {form.drill ? <p class="muted">演练的数字不进入任何真实统计。</p> : null}
              <BigButton type="submit" label={sending ? '正在开启…' : '开启灾害过程'} disabled={sending || !types.length} />
            </div>
          </div>
        </form>
      </div>
    </Screen>
  );
}
