// 报告新灾情: a village that sees a disaster nobody upstairs has opened an event for reports it from below (本地事件),
// with its 初报 in the same request (POST /local-events, through the outbox, idempotent by client_id). The type
// and sub-type come from the national list the server publishes (GET /disaster-types, cached for offline use:
// Home reads it while online). Until the township confirms, merges or rejects it, Home shows it as 待乡镇确认 —
// and before it has even left the phone, as 待发送 (QueuedLocalEvents).
import { useEffect, useState } from 'preact/hooks';
import { Banner, BigButton, ChoiceGrid, Reading, Screen, TextField } from '../components/index.js';
import { useCached } from '../cache.js';
import { age, isoLocal } from '../format.js';
import { enqueue, getItem, updateItem } from '../outbox.js';
import { afterSave } from '../outcome.js';
import { useRoute } from '../router.js';
import { useSession } from '../session.js';
import { useWhenSent } from '../useSent.js';
import { reportErrors } from '../rules/damage.js';
import { indicatorsProblem, useIndicators } from '../indicators.js';
import { Fields, readFigures, toForm } from './DamageForm.jsx';
import { scrollToError, without } from './shared.jsx';
import './ledger.css';
import './reports.css';

export const DISASTER_TYPES = '/disaster-types';
export const LOCAL_EVENT_KIND = 'local_event';

const pad = (n) => String(n).padStart(2, '0');
const nowInput = (d = new Date()) =>
  `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
const toInput = (value) => (value ? nowInput(new Date(value)) : '');

/** The server names the 初报's fields "initial_report.figures.deaths"; the form's field is "figures.deaths". */
function formErrors(fields) {
  const out = {};
  for (const [path, messages] of Object.entries(fields || {})) out[path.replace(/^initial_report\./, '')] = messages;
  return out;
}

/** The checks before saving, with the server's words where it has them. */
export function checkLocalEvent({ type, subtype, name, startedAt, types }) {
  const errors = {};
  const found = types.find((t) => t.name === type);
  if (!found) errors.disaster_type = ['请选择灾种'];
  else if (found.subtypes.length && !subtype) errors.disaster_subtype = [`${type}需要选择亚灾种：${found.subtypes.join('、')}`];
  if (!name.trim()) errors.name = ['名称不能为空'];
  if (startedAt && new Date(startedAt).getTime() > Date.now() + 5 * 60 * 1000) errors.started_at = ['开始时间不能晚于当前时间'];
  return errors;
}

export function LocalEventNew() {
  const { query } = useRoute();
  const fixId = query.get('fix');
  const types = useCached(DISASTER_TYPES);
  const indicators = useIndicators(null); // the figures of the 初报 (GET /indicators, cached like every read)
  const [fixing, setFixing] = useState(fixId ? undefined : null);
  useEffect(() => {
    if (fixId) getItem(fixId).then((item) => setFixing(item || null));
  }, [fixId]);
  if (fixing === undefined || (!types.data && !types.error) || (!indicators.data && !indicators.error)) {
    return (
      <Screen title="报告新灾情" back="/">
        <Reading waiting what="灾种目录" />
      </Screen>
    );
  }
  if (!types.data) {
    return (
      <Screen title="报告新灾情" back="/">
        <Banner tone="warn">还没有读到国家灾种目录（需要联网一次）。请到有信号的地方打开本页，或电话报告乡镇。</Banner>
      </Screen>
    );
  }
  if (!indicators.vocab) {
    return (
      <Screen title="报告新灾情" back="/">
        <Banner tone="warn">{indicatorsProblem(indicators)}</Banner>
      </Screen>
    );
  }
  return <LocalEventForm types={types.data.items} fixing={fixing} base={indicators.vocab} />;
}

function LocalEventForm({ types, fixing, base }) {
  const { user } = useSession();
  const village = user.org_unit ? user.org_unit.name : '';
  const body = fixing ? fixing.body : null;
  const [type, setType] = useState(body ? body.disaster_type : '');
  const [subtype, setSubtype] = useState(body ? body.disaster_subtype || '' : '');
  const [name, setName] = useState(body ? body.name : '');
  const [named, setNamed] = useState(Boolean(body)); // the person typed a name: stop suggesting one
  const [startedAt, setStartedAt] = useState(body ? toInput(body.started_at) : nowInput());
  const [description, setDescription] = useState(body ? body.description || '' : '');
  const [form, setForm] = useState(() => toForm(base, body ? body.initial_report.figures : {}));
  const [note, setNote] = useState(body ? body.initial_report.note || '' : '');
  const [checked, setChecked] = useState(Boolean(fixing));
  const [serverErrors, setServerErrors] = useState(formErrors(fixing && fixing.lastError && fixing.lastError.fields));
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState(null);

  // The type decides the indicators (a 干旱's drinking-water figures): the vocabulary follows the choice.
  const vocab = useIndicators(type || null).vocab || base;
  const subtypes = (types.find((t) => t.name === type) || { subtypes: [] }).subtypes;
  const parsed = readFigures(vocab, form);
  const check = () => ({
    ...checkLocalEvent({ type, subtype, name, startedAt, types }),
    ...(Object.keys(parsed.errors).length ? parsed.errors : reportErrors(vocab, { figures: parsed.figures })),
  });
  const errors = { ...serverErrors, ...(checked ? check() : {}) };
  const clear = (path) => setServerErrors((all) => without(all, path));
  const suggest = (t, s) => {
    if (!named) setName(`${village}${s || t}`);
  };
  const pickType = (value) => {
    clear('disaster_type');
    clear('disaster_subtype');
    setType(value);
    setSubtype('');
    suggest(value, '');
  };
  const pickSubtype = (value) => {
    clear('disaster_subtype');
    setSubtype(value);
    suggest(type, value);
  };
  const setText = (key) => (value) => {
    clear(`figures.${key}`);
    setForm((f) => ({ ...f, texts: { ...f.texts, [key]: value } }));
  };
  const setArea = (key) => (value) => {
    clear(`figures.${key}`);
    setForm((f) => ({ ...f, areas: { ...f.areas, [key]: value } }));
  };

  const submit = async (e) => {
    e.preventDefault();
    setChecked(true);
    if (Object.keys(check()).length) return scrollToError();
    const payload = {
      name: name.trim(),
      disaster_type: type,
      disaster_subtype: subtype || null,
      started_at: startedAt ? isoLocal(new Date(startedAt)) : null,
      description: description.trim(),
      initial_report: { figures: parsed.figures, note: note.trim() },
    };
    const label = `${payload.name}（新灾情 初报）`;
    setSaving(true);
    setSaveError(null);
    try {
      if (fixing) await updateItem(fixing.clientId, { body: payload, label });
      const clientId = fixing
        ? fixing.clientId
        : await enqueue({ kind: LOCAL_EVENT_KIND, url: '/local-events', body: payload, label });
      await afterSave(clientId); // 已送达 / 已存在手机 / 未被接受; Home shows it 待乡镇确认 until the township decides
    } catch (error) {
      setSaveError(error.message);
      setSaving(false);
    }
  };

  return (
    <Screen title={fixing ? '修改新灾情报告' : '报告新灾情'} back="/">
      {fixing && fixing.lastError ? <Banner tone="error">服务器没有收下：{fixing.lastError.message}</Banner> : null}
      <p class="muted">本村发生了灾情，但首页没有进行中的灾害过程时，在这里报告。乡镇确认后成为正式的灾害过程，同时报送本村的初报。</p>
      <form class="form" onSubmit={submit} novalidate>
        <ChoiceGrid label="灾种" name="disaster_type" options={types.map((t) => ({ value: t.name, label: t.name }))} value={type} onChange={pickType} errors={errors} required />
        {subtypes.length ? (
          <ChoiceGrid label="亚灾种" name="disaster_subtype" options={subtypes.map((s) => ({ value: s, label: s }))} value={subtype} onChange={pickSubtype} columns={2} errors={errors} required />
        ) : null}
        <TextField
          label="名称"
          name="name"
          value={name}
          onChange={(value) => {
            clear('name');
            setNamed(true);
            setName(value);
          }}
          placeholder="如：石门村山洪"
          errors={errors}
          required
        />
        <TextField label="开始时间" name="started_at" type="datetime-local" value={startedAt} onChange={(value) => {
            clear('started_at');
            setStartedAt(value);
          }} errors={errors} />
        <TextField label="情况说明" name="description" value={description} onChange={setDescription} multiline placeholder="发生了什么，在哪里，影响多大" errors={errors} />

        <h2 class="section-title">初报数字</h2>
        <p class="muted">没有的填 0 或不填。</p>
        {vocab.groups.map((group) => (
          <section class="figure-group" key={group.key}>
            <h3 class="section-title">{group.label}</h3>
            <Fields vocab={vocab} keys={group.keys} form={form} setText={setText} setArea={setArea} errors={errors} />
          </section>
        ))}
        <TextField label="初报补充说明" name="note" value={note} onChange={setNote} multiline placeholder="可不填" errors={errors} />
        {Object.keys(errors).length ? <Banner tone="error">请按红字改好再保存。</Banner> : null}
        {saveError ? <Banner tone="error">{saveError}</Banner> : null}
        <BigButton type="submit" name="submit" label={saving ? '正在保存…' : fixing ? '保存并重发' : '保存并上报'} disabled={saving} />
        <p class="field-hint">先存在手机上，有网络时自动发送，没信号也可以报。</p>
      </form>
    </Screen>
  );
}

/**
 * On Home, under the events: the local events still on the phone, as 待发送 · 待乡镇确认 cards (once delivered
 * they come back from the server in Home's pending list; `onSent` reads it again). A refused one says so.
 */
export function QueuedLocalEvents({ outbox, onSent }) {
  useWhenSent(outbox, [LOCAL_EVENT_KIND], onSent);
  const items = outbox.items.filter((item) => item.kind === LOCAL_EVENT_KIND);
  return items.map((item) => (
    <article class="card event-card local-event-card" key={item.clientId} data-local-event="queued">
      <h3 class="card-title">
        {item.body.name} <span class="chip">待乡镇确认</span>{' '}
        {item.status === 'needs_attention' ? <span class="chip chip-error">需要处理</span> : <span class="chip chip-warn">待发送</span>}
      </h3>
      <p class="muted">
        {item.body.disaster_subtype || item.body.disaster_type} · 保存于{age(item.createdAt)}，连同初报一起发送
      </p>
    </article>
  ));
}
