// 登记 and 更正 of one ledger row (台账): a dead or missing person, a household whose house collapsed or was damaged.
//
// New rows go to the outbox as POSTs (idempotent by client_id, like reports); a row still on the phone is fixed in
// its item (?fix=<clientId>); a row the server has is changed by a PATCH of only what changed (a missing person
// found alive or confirmed dead, a correction), queued the same way. A change already waiting for the same row is
// edited in place rather than queued twice. The ID number is checked (GB 11643) before anything is saved, and the
// server's masked copy is all a card shows: an edit never shows the whole number again, it only takes a new one.
import { useEffect, useState } from 'preact/hooks';
import { Banner, BigButton, ChoiceGrid, NumberField, Reading, Screen, TextField } from '../components/index.js';
import { useCached } from '../cache.js';
import { isoLocal } from '../format.js';
import { enqueue, getItem, updateItem } from '../outbox.js';
import { afterSave } from '../outcome.js';
import { useRoute } from '../router.js';
import { useOutbox } from '../useOutbox.js';
import { idNumberProblem, maskIdNumber, normalizeIdNumber } from '../rules/idNumber.js';
import { DAMAGE_NAMES, HOUSE_STATUS_NAMES, LEDGER_KINDS, ledgerPath, STRUCTURES } from '../rules/ledger.js';
import { EventLine, scrollToError, without } from './shared.jsx';
import './ledger.css';

const options = (names) => Object.entries(names).map(([value, label]) => ({ value, label }));
const SEXES = options({ male: '男', female: '女' });
const NEW_STATES = options({ dead: '死亡', missing: '失踪' });
const EDIT_STATES = options({ dead: '死亡', missing: '仍失踪', found: '已找到（生还）' });
const DAMAGES = options(DAMAGE_NAMES);
const HOUSE_STATES = options(HOUSE_STATUS_NAMES);
const STRUCTURE_OPTIONS = STRUCTURES.map((value) => ({ value, label: value }));

const pad = (n) => String(n).padStart(2, '0');
/** An API time → the value of a datetime-local input, in the phone's time zone. */
function toLocalInput(value) {
  if (!value) return '';
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
const fromLocalInput = (value) => (value ? isoLocal(new Date(value)) : null);
const text = (value) => (value == null ? '' : String(value));

// --- what differs between the two ledgers --------------------------------------------------------------------

const CASUALTY = {
  ledger: 'casualties',
  what: '死亡失踪人员',
  createKind: LEDGER_KINDS.casualty,
  changeKind: LEDGER_KINDS.casualtyChange,
  createUrl: (eventId) => `/events/${eventId}/casualties`,
  rowUrl: (id) => `/casualties/${id}`,
  /** A row (server answer, or an item's body over it) → the form's texts. */
  toForm: (row) => ({
    name: text(row.name),
    sex: text(row.sex),
    age: text(row.age),
    id_number: row.id_number && !row.id_number.includes('*') ? row.id_number : '',
    state: row.found_alive ? 'found' : text(row.kind),
    occurred_at: toLocalInput(row.occurred_at),
    place: text(row.place),
    address: text(row.address),
    note: text(row.note),
  }),
  toBody: (form) => ({
    name: form.name.trim(),
    sex: form.sex,
    age: form.age === '' ? null : Number(form.age),
    id_number: normalizeIdNumber(form.id_number),
    kind: form.state === 'found' ? 'missing' : form.state,
    ...(form.state === 'found' ? { found_alive: true } : {}),
    occurred_at: fromLocalInput(form.occurred_at),
    place: form.place.trim(),
    address: form.address.trim(),
    note: form.note.trim(),
  }),
  check: (form) => {
    const errors = {};
    if (!form.name.trim()) errors.name = ['请填写姓名'];
    if (!form.sex) errors.sex = ['请选择性别'];
    if (!form.state) errors.kind = ['请选择死亡还是失踪'];
    if (form.age !== '' && Number(form.age) > 150) errors.age = ['年龄应在 0 到 150 之间'];
    return errors;
  },
  label: (body, change) => {
    if (change && body.found_alive) return `${body.name} 已找到（生还）`;
    if (change && body.kind === 'dead') return `${body.name} 确认死亡`;
    return `${body.name}（${body.kind === 'dead' ? '死亡' : '失踪'}）${change ? ' 更正' : ''}`;
  },
};

const HOUSE = {
  ledger: 'houses',
  what: '倒塌损坏住房户',
  createKind: LEDGER_KINDS.house,
  changeKind: LEDGER_KINDS.houseChange,
  createUrl: (eventId) => `/events/${eventId}/damaged-houses`,
  rowUrl: (id) => `/damaged-houses/${id}`,
  toForm: (row) => ({
    head_name: text(row.head_name),
    id_number: row.id_number && !row.id_number.includes('*') ? row.id_number : '',
    address: text(row.address),
    structure: text(row.structure),
    damage: text(row.damage),
    rooms: text(row.rooms),
    transitional_aid_persons: row.transitional_aid_persons ? String(row.transitional_aid_persons) : '',
    status: text(row.status || 'pending'),
    note: text(row.note),
  }),
  toBody: (form) => ({
    head_name: form.head_name.trim(),
    id_number: normalizeIdNumber(form.id_number),
    address: form.address.trim(),
    structure: form.structure,
    damage: form.damage,
    rooms: form.rooms === '' ? null : Number(form.rooms),
    transitional_aid_persons: form.damage === 'general' ? 0 : Number(form.transitional_aid_persons || 0),
    status: form.status || 'pending',
    note: form.note.trim(),
  }),
  check: (form) => {
    const errors = {};
    if (!form.head_name.trim()) errors.head_name = ['请填写户主姓名'];
    if (!form.structure) errors.structure = ['请选择房屋结构'];
    if (!form.damage) errors.damage = ['请选择倒塌还是损坏'];
    const rooms = Number(form.rooms || 0);
    if (rooms < 1 || rooms > 1000) errors.rooms = ['间数应在 1 到 1000 之间'];
    return errors;
  },
  label: (body, change) => `${body.head_name}（${DAMAGE_NAMES[body.damage] || ''}${body.rooms ? ` ${body.rooms} 间` : ''}）${change ? ' 更正' : ''}`,
};

/** The fields of a PATCH: what the person changed from the server's row (an empty ID number keeps the old one). */
function changes(config, original, form) {
  const before = config.toBody(original);
  const after = config.toBody(form);
  const body = {};
  for (const [key, value] of Object.entries(after)) {
    if (key === 'id_number' && !value) continue;
    if (key === 'found_alive' || key === 'kind') continue;
    if (JSON.stringify(value) !== JSON.stringify(before[key])) body[key] = value;
  }
  if (config === CASUALTY && form.state !== original.state) {
    body.kind = after.kind;
    body.found_alive = form.state === 'found';
  }
  return body;
}

// --- screens -------------------------------------------------------------------------------------------------

export const CasualtyNew = (props) => <LedgerNew config={CASUALTY} {...props} />;
export const HouseNew = (props) => <LedgerNew config={HOUSE} {...props} />;
export const CasualtyEdit = (props) => <LedgerEdit config={CASUALTY} {...props} />;
export const HouseEdit = (props) => <LedgerEdit config={HOUSE} {...props} />;

/** 登记: a new row (or one still on the phone, ?fix=<clientId>). */
function LedgerNew({ config, params }) {
  const eventId = params.id;
  const { query } = useRoute();
  const fixId = query.get('fix');
  const event = useCached(`/events/${eventId}`);
  const [fixing, setFixing] = useState(fixId ? undefined : null);
  useEffect(() => {
    if (fixId) getItem(fixId).then((item) => setFixing(item || null));
  }, [fixId]);
  if (fixing === undefined) {
    return (
      <Screen title={`登记${config.what}`} back={ledgerPath(eventId)}>
        <Reading waiting what="这条登记" />
      </Screen>
    );
  }
  const start = config.toForm(fixing ? fixing.body : {});
  return (
    <LedgerFormBody
      config={config}
      eventId={eventId}
      event={event.data}
      title={fixing ? `修改${config.what}登记` : `登记${config.what}`}
      start={start}
      fixing={fixing}
      save={async (form) => {
        const body = config.toBody(form);
        const label = config.label(body, false);
        if (fixing) await updateItem(fixing.clientId, { body, label });
        return fixing
          ? fixing.clientId
          : enqueue({ kind: config.createKind, url: config.createUrl(eventId), body, label, sendFirst: true });
      }}
    />
  );
}

/** 更正: a row the server has, by a PATCH of what changed (?event=<id> lets it open from the list offline). */
function LedgerEdit({ config, params }) {
  const { query } = useRoute();
  const fixId = query.get('fix');
  const listEvent = query.get('event');
  const rowId = Number(params.id);
  const single = useCached(config.rowUrl(rowId));
  const list = useCached(listEvent ? `/events/${listEvent}/${config === CASUALTY ? 'casualties' : 'damaged-houses'}?per_page=200` : null);
  const outbox = useOutbox();
  const fromList = list.data ? list.data.items.find((row) => row.id === rowId) : null;
  const row = single.data || fromList || null;
  const eventId = row ? row.event_id : listEvent;
  const event = useCached(eventId ? `/events/${eventId}` : null);
  // A change already waiting for this row is edited in place (the one named by ?fix, else the latest one).
  const waiting = outbox.items.filter((item) => item.kind === config.changeKind && item.url === config.rowUrl(rowId));
  const fixing = waiting.find((item) => item.clientId === fixId) || waiting[waiting.length - 1] || null;

  const reading = !outbox.loaded || (!row && (single.loading || (listEvent && list.loading)));
  if (reading || !row) {
    return (
      <Screen title={`更正${config.what}`} back={eventId ? ledgerPath(eventId) : '/'}>
        {reading ? <Reading waiting what="这条登记" /> : <Banner tone="warn">读不到这条登记（需要联网一次）。</Banner>}
      </Screen>
    );
  }
  const original = config.toForm(row);
  const start = { ...original, ...(fixing ? config.toForm({ ...row, ...fixing.body, id_number: fixing.body.id_number || '' }) : {}) };
  return (
    <LedgerFormBody
      config={config}
      eventId={eventId}
      event={event.data}
      title={`更正${config.what}`}
      start={start}
      fixing={fixing}
      row={row}
      save={async (form) => {
        const body = changes(config, original, form);
        if (!Object.keys(body).length && !fixing) throw new Error('没有改动。');
        const label = config.label({ ...config.toBody(form), ...body }, true);
        if (fixing) await updateItem(fixing.clientId, { body, label });
        return fixing
          ? fixing.clientId
          : enqueue({ kind: config.changeKind, url: config.rowUrl(rowId), method: 'PATCH', body, label, sendFirst: true });
      }}
    />
  );
}

function LedgerFormBody({ config, eventId, event, title, start, fixing, row, save }) {
  const [form, setForm] = useState(start);
  const [errors, setErrors] = useState((fixing && fixing.lastError && fixing.lastError.fields) || {});
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState(null);
  const set = (name, path = name) => (value) => {
    setForm((previous) => ({ ...previous, [name]: value }));
    setErrors((previous) => without(without(previous, path), name));
  };

  const submit = async (e) => {
    e.preventDefault();
    const found = config.check(form);
    const problem = idNumberProblem(form.id_number);
    if (problem) found.id_number = [problem];
    setErrors(found);
    if (Object.keys(found).length) return scrollToError();
    setSaving(true);
    setSaveError(null);
    try {
      const clientId = await save(form);
      await afterSave(clientId, { home: ledgerPath(eventId) }); // 已送达 / 已存在手机 / 未被接受 (outcome.js)
    } catch (error) {
      setSaveError(error.message);
      setSaving(false);
    }
  };

  const masked = row && row.id_number ? row.id_number : '';
  const idHint = masked
    ? `已登记：${masked}。需要更正时填写完整号码，不填则不变。`
    : '可不填；填写时会核对校验码。保存后只显示前 6 位和后 4 位。';
  const idField = (label) => (
    <TextField
      label={label}
      name="id_number"
      value={form.id_number}
      onChange={set('id_number')}
      placeholder="18 位，最后一位可能是 X"
      hint={form.id_number && !idNumberProblem(form.id_number) ? `核对无误：${maskIdNumber(form.id_number)}` : idHint}
      errors={errors}
      autoComplete="off"
    />
  );

  return (
    <Screen title={title} back={ledgerPath(eventId)}>
      <EventLine event={event} />
      {fixing && fixing.lastError ? <Banner tone="error">服务器没有收下：{fixing.lastError.message}</Banner> : null}
      {fixing && !fixing.lastError ? <Banner tone="info">这条还在手机上等待发送，改好后一起发送。</Banner> : null}
      <form class="form" onSubmit={submit} novalidate>
        {config === CASUALTY ? (
          <>
            <TextField label="姓名" name="name" value={form.name} onChange={set('name')} errors={errors} required />
            <ChoiceGrid label="情况" name="kind" options={row ? EDIT_STATES : NEW_STATES} value={form.state} onChange={set('state', 'kind')} columns={row ? 3 : 2} errors={errors} required />
            <div class="two-columns">
              <ChoiceGrid label="性别" name="sex" options={SEXES} value={form.sex} onChange={set('sex')} columns={2} errors={errors} required />
              <NumberField label="年龄" name="age" value={form.age} onChange={set('age')} unit="岁" errors={errors} />
            </div>
            {idField('身份证号码')}
            <TextField label="死亡（失踪）时间" name="occurred_at" type="datetime-local" value={form.occurred_at} onChange={set('occurred_at')} errors={errors} hint="不清楚可不填" />
            <TextField label="死亡（失踪）地点" name="place" value={form.place} onChange={set('place')} placeholder="如：村后山三组" errors={errors} />
            <TextField label="家庭住址" name="address" value={form.address} onChange={set('address')} errors={errors} />
          </>
        ) : (
          <>
            <TextField label="户主姓名" name="head_name" value={form.head_name} onChange={set('head_name')} errors={errors} required />
            {idField('户主身份证号码')}
            <ChoiceGrid label="倒塌还是损坏" name="damage" options={DAMAGES} value={form.damage} onChange={set('damage')} errors={errors} required />
            <ChoiceGrid label="房屋结构" name="structure" options={STRUCTURE_OPTIONS} value={form.structure} onChange={set('structure')} errors={errors} required />
            <div class="two-columns">
              <NumberField label="间数" name="rooms" value={form.rooms} onChange={set('rooms')} unit="间" errors={errors} />
              {form.damage === 'general' ? null : (
                <NumberField label="过渡期救助" name="transitional_aid_persons" value={form.transitional_aid_persons} onChange={set('transitional_aid_persons')} unit="人" errors={errors} hint="需过渡期生活救助的人数" />
              )}
            </div>
            {row ? <ChoiceGrid label="处置进度" name="status" options={HOUSE_STATES} value={form.status} onChange={set('status')} errors={errors} /> : null}
            <TextField label="住址" name="address" value={form.address} onChange={set('address')} placeholder="如：三组 12 号" errors={errors} />
          </>
        )}
        <TextField label="备注" name="note" value={form.note} onChange={set('note')} multiline placeholder="可不填" errors={errors} />
        {Object.keys(errors).length ? <Banner tone="error">请按红字改好再保存。</Banner> : null}
        {saveError ? <Banner tone="error">{saveError}</Banner> : null}
        <BigButton type="submit" name="submit" label={saving ? '正在保存…' : fixing ? '保存并重发' : '保存'} disabled={saving} />
        <p class="field-hint">先存在手机上，有网络时自动发送，没信号也可以登记。</p>
      </form>
    </Screen>
  );
}
