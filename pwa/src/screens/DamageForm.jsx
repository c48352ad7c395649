// 报灾情: a village's damage report for one event. The stage is chosen for the person from the village's history
// (rules/stage.js), an update starts from the previous figures, every rule is checked here with the server's
// words before anything is saved (rules/damage.js), and the report goes to the outbox like every other write.
// The fields, their names, units and groups and the rules are the server's (GET /indicators, indicators.js), for
// the event's disaster type: a 干旱 event's report asks for 因旱饮水困难… too.
//
// Three ways in: new (/events/:id/damage/new), correcting a returned report (?correct=<reportId>: its figures
// and the reviewer's reason on top, saved as a NEW report), and fixing an outbox item the server refused
// (?fix=<clientId>: the item's figures and the server's message, saved back into the same item).
import { useEffect, useState } from 'preact/hooks';
import {
  AreaField,
  Banner,
  BigButton,
  FieldError,
  firstRead,
  NumberField,
  PhotoPicker,
  Reading,
  Screen,
  TextField,
  UpdatedAt,
} from '../components/index.js';
import { useCached } from '../cache.js';
import { enqueue, getItem, updateItem } from '../outbox.js';
import { afterSave } from '../outcome.js';
import { preparePhoto } from '../photos.js';
import { useRoute } from '../router.js';
import { useOutbox } from '../useOutbox.js';
import { indicatorsProblem, useIndicators } from '../indicators.js';
import { areaToHa, haToMuText } from '../rules/area.js';
import { decreased, figuresToForm, indicatorName, readForm, reportErrors, zeroFigures } from '../rules/damage.js';
import { chooseStage, noChangePayload, quickReports, stageName, startingFigures, zeroPayload } from '../rules/stage.js';
import { EventLine, scrollToError, without } from './shared.jsx';
import { StageCard } from './StageCard.jsx';
import { eventOfUrl, LedgerCheck, LedgerRefused } from './LedgerParts.jsx';
import { confirmQuick } from './quickConfirm.js';
import { damageHistory, EVENT_LIST } from '../reportLists.js';
import './reports.css';

const ACTIVE_EVENTS = '/events?status=active&per_page=20'; // Home's list
const DEFAULT_AREA_UNIT = 'mu'; // villagers count fields in 亩

const areaKeys = (vocab) => vocab.indicators.filter((i) => i.area).map((i) => i.key);

/** Figures (from the API or a saved item) → the form's texts; areas shown in 亩, exactly (公顷 × 15). */
export function toForm(vocab, figures) {
  const texts = figuresToForm(vocab, figures);
  const areas = {};
  for (const key of areaKeys(vocab)) areas[key] = { text: haToMuText(texts[key]), unit: DEFAULT_AREA_UNIT };
  return { texts, areas };
}

/** The form → `{figures, errors}`: the JSON figures (areas in 公顷) and the fields that are not figures. */
export function readFigures(vocab, form) {
  const typed = { ...form.texts };
  for (const key of areaKeys(vocab)) typed[key] = areaToHa(form.areas[key]);
  return readForm(vocab, typed);
}

export function DamageForm({ params }) {
  const eventId = params.id;
  const { query } = useRoute();
  const fixId = query.get('fix');
  const correctId = query.get('correct');
  const event = useCached(`/events/${eventId}`);
  // Offline and never opened: the event as Home's list of active events has it (its disaster type decides the
  // indicators), else as 我的报告's list of every event.
  const listed = (read) => read.data && read.data.items.find((e) => String(e.id) === String(eventId));
  const active = useCached(event.error ? ACTIVE_EVENTS : null);
  const inActive = listed(active);
  const needList = Boolean(event.error) && !firstRead(active) && !inActive;
  const events = useCached(needList ? EVENT_LIST : null);
  const history = useCached(damageHistory(eventId));
  const returned = useCached(correctId ? `/damage-reports/${correctId}` : null);
  const outbox = useOutbox();
  const [fixing, setFixing] = useState(fixId ? undefined : null);

  useEffect(() => {
    if (fixId) getItem(fixId).then((item) => setFixing(item || null));
  }, [fixId]);

  const eventData = event.data || inActive || listed(events);
  const eventKnown = !firstRead(event) && (!event.error || Boolean(inActive) || (needList && !firstRead(events)));
  // A type not known (the event never read on this phone): the indicators every type holds.
  const indicators = useIndicators(eventKnown ? (eventData ? eventData.disaster_type : null) : undefined);
  const waiting = !outbox.loaded || fixing === undefined || (correctId && !returned.data && !returned.error);
  // the event's status decides 核报; the village's reports decide the stage and the starting figures
  if (waiting || !eventKnown || [history, indicators].some(firstRead)) {
    return (
      <Screen title="报灾情" back="/">
        <Reading waiting what="本村的报告" />
      </Screen>
    );
  }
  if (!indicators.vocab) {
    return (
      <Screen title="报灾情" back="/">
        <EventLine event={eventData} />
        <Banner tone="warn">{indicatorsProblem(indicators)}</Banner>
      </Screen>
    );
  }

  // Reports of this event still on the phone count as filed (an offline 初报 makes the next one a 续报).
  const url = `/events/${eventId}/damage-reports`;
  const queued = outbox.items
    .filter((item) => item.kind === 'damage' && item.url === url && item.clientId !== fixId)
    .map((item) => ({ stage: item.body.stage, figures: item.body.figures, queued: true }));
  const known = Boolean(history.data);
  const choice = chooseStage({
    reports: [...(known ? history.data.items : []), ...queued],
    eventStatus: eventData ? eventData.status : 'active',
  });
  return (
    <DamageFormBody
      vocab={indicators.vocab}
      url={url}
      event={eventData}
      history={history}
      known={known || queued.length > 0}
      initialChoice={choice}
      fixing={fixing}
      returned={correctId ? returned.data : null}
    />
  );
}

// The choice is taken once, when the form opens: an outbox item sent meanwhile must not flip the stage under the
// person's thumb.
function DamageFormBody({ vocab, url, event, history, known, initialChoice, fixing, returned }) {
  const [choice] = useState(initialChoice);
  const allowed = known ? choice.allowed : ['initial', 'update', 'final'];
  const [stage, setStage] = useState(() => {
    if (fixing && allowed.includes(fixing.body.stage)) return fixing.body.stage;
    return known ? choice.stage : null; // without the history the person says which report this is
  });
  const previous = stage === 'initial' ? null : choice.previous;
  const [form, setForm] = useState(() =>
    toForm(vocab, fixing ? fixing.body.figures : returned ? returned.figures : startingFigures({ stage, previous })),
  );
  const [touched, setTouched] = useState(Boolean(fixing || returned));
  const [note, setNote] = useState(fixing ? fixing.body.note || '' : returned ? returned.note || '' : '');
  const [changeNote, setChangeNote] = useState(fixing ? fixing.body.change_note || '' : '');
  const [photos, setPhotos] = useState([]);
  const [busyPhotos, setBusyPhotos] = useState(false);
  const [checked, setChecked] = useState(Boolean(fixing)); // messages show live once the person tried to save
  const [serverErrors, setServerErrors] = useState((fixing && fixing.lastError && fixing.lastError.fields) || {});
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState(null);

  // Picking another stage before typing anything starts from that stage's figures.
  useEffect(() => {
    if (!touched) setForm(toForm(vocab, startingFigures({ stage, previous })));
  }, [stage]);

  const parsed = readFigures(vocab, form);
  const notFigures = Object.keys(parsed.errors).length > 0;
  const down = previous && !notFigures ? decreased(vocab, previous.figures, parsed.figures) : [];
  const check = () =>
    notFigures
      ? parsed.errors
      : reportErrors(vocab, { figures: parsed.figures, previous: previous && previous.figures, changeNote });
  const errors = { ...serverErrors, ...(checked ? check() : {}) };

  const edit = (path, apply) => {
    setTouched(true);
    setServerErrors((all) => without(all, path));
    apply();
  };
  const setText = (key) => (value) =>
    edit(`figures.${key}`, () => setForm((f) => ({ ...f, texts: { ...f.texts, [key]: value } })));
  const setArea = (key) => (value) =>
    edit(`figures.${key}`, () => setForm((f) => ({ ...f, areas: { ...f.areas, [key]: value } })));

  const save = async (body, withPhotos, kindOfReport = '') => {
    const label = `${event ? event.name : '灾情'} ${stageName(body.stage)}${kindOfReport}`;
    setSaving(true);
    setSaveError(null);
    try {
      if (fixing) await updateItem(fixing.clientId, { body: { ...fixing.body, ...body }, label });
      const clientId = fixing
        ? fixing.clientId
        : await enqueue({ kind: 'damage', url, body, photos: withPhotos ? photos : [], label });
      await afterSave(clientId); // 已送达 / 已存在手机 / 未被接受 (outcome.js)
    } catch (error) {
      setSaveError(error.message);
      setSaving(false);
    }
  };

  const submit = async (e) => {
    e.preventDefault();
    setChecked(true);
    if (!stage) return setSaveError('请先选择这次报的是初报、续报还是核报');
    if (Object.keys(check()).length) return scrollToError();
    const changeNoteSent = down.length ? changeNote.trim() : '';
    await save({ stage, figures: parsed.figures, note: note.trim(), change_note: changeNoteSent }, true);
  };

  const pick = async (files) => {
    setBusyPhotos(true);
    try {
      const position = await onePosition();
      const prepared = await Promise.all(files.map((file) => preparePhoto(file, position)));
      setPhotos((list) => [...list, ...prepared]);
    } finally {
      setBusyPhotos(false);
    }
  };

  if (known && !choice.stage && !fixing) {
    return (
      <Screen title="报灾情" back="/">
        <EventLine event={event} />
        <Banner tone="warn">{choice.reason}</Banner>
        <BigButton label="我的报告" tone="secondary" href="/reports" />
      </Screen>
    );
  }

  const quick = fixing || returned || !stage ? { zero: false, noChange: false } : quickReports({ stage, previous });
  return (
    <Screen title={fixing ? '修改灾情报告' : returned ? '修改后重新报送' : '报灾情'} back="/">
      <EventLine event={event} />
      {returned ? (
        <Banner tone="error">
          <strong>这份报告被退回了。</strong>
          <span class="return-reason">退回原因：{returned.review_comment || '（未写原因）'}</span>
          请按原因改好再报送，会作为一份新的报告发出。
        </Banner>
      ) : null}
      {fixing && fixing.lastError ? <Banner tone="error">服务器没有收下：{fixing.lastError.message}</Banner> : null}
      <LedgerRefused eventId={eventOfUrl(url)} fields={serverErrors} />
      {!known ? (
        <Banner tone="warn">
          没有网络，读不到本村以往的报告。请选择这次报的是什么：本次灾害第一次报，选「初报」。
        </Banner>
      ) : null}

      <StageCard
        stage={stage}
        allowed={allowed}
        onChange={setStage}
        previous={previous}
        startsFromPrevious={!fixing && !returned}
      />
      <UpdatedAt at={history.updatedAt} fromCache={history.fromCache} />

      {quick.zero ? (
        <BigButton
          label="零报告"
          sub="本村没有灾情，点一下就报"
          tone="secondary"
          name="zero-report"
          disabled={saving}
          onClick={() =>
            confirmQuick('zero', stage).then((yes) => yes && save(zeroPayload(stage, zeroFigures(vocab)), false, '（零报告）'))
          }
        />
      ) : null}
      {quick.noChange ? (
        <BigButton
          label="本日无新增"
          sub="数字和上次一样，点一下就报续报"
          tone="secondary"
          name="no-change"
          disabled={saving}
          onClick={() =>
            confirmQuick('noChange', stage).then((yes) => yes && save(noChangePayload(previous), false, '（本日无新增）'))
          }
        />
      ) : null}
      {quick.zero || quick.noChange ? <p class="or-line">有灾情或有变化，请填下面的数字：</p> : null}

      <form class="form" onSubmit={submit} novalidate>
        {vocab.groups.map((group) => (
          <section class="figure-group" key={group.key}>
            <h2 class="section-title">{group.label}</h2>
            <Fields vocab={vocab} keys={group.keys} form={form} setText={setText} setArea={setArea} errors={errors} />
            <LedgerCheck vocab={vocab} eventId={eventOfUrl(url)} figures={parsed.figures} keys={group.keys} />
          </section>
        ))}
        {down.length || errors.change_note ? (
          <TextField
            label="变动说明"
            name="change_note"
            value={changeNote}
            onChange={(value) => edit('change_note', () => setChangeNote(value))}
            multiline
            required
            placeholder="为什么比上次少了？如：重复统计已核减、失踪人员已找到"
            hint={down.length ? `比上次少了：${down.map((key) => indicatorName(vocab, key)).join('、')}` : null}
            errors={errors}
          />
        ) : null}
        <TextField
          label="补充说明"
          name="note"
          value={note}
          onChange={setNote}
          multiline
          placeholder="可不填"
          errors={errors}
        />
        {fixing ? null : (
          <PhotoPicker
            photos={photos}
            busy={busyPhotos}
            onPick={pick}
            onRemove={(id) => setPhotos((list) => list.filter((photo) => photo.id !== id))}
          />
        )}
        {Object.keys(errors).length ? <Banner tone="error">请按红字改好再保存。</Banner> : null}
        {saveError ? <Banner tone="error">{saveError}</Banner> : null}
        <BigButton
          type="submit"
          name="submit"
          label={saving ? '正在保存…' : fixing ? '保存并重发' : `保存并上报${stageName(stage)}`}
          disabled={saving || busyPhotos}
        />
        <p class="field-hint">先存在手机上，有网络时自动发送，没信号也可以报。</p>
      </form>
    </Screen>
  );
}

/**
 * The fields of one group, laid out from the vocabulary alone. Counts sit on one row each, label left and number
 * right, so the whole form fits a few thumb-scrolls; the parts of a total (a sum rule's parts: 其中集中安置 …) sit
 * indented under it; two indicators of one name in different units read as one row (倒塌房屋: 户数 beside 间数, the
 * table a village keeps); areas get the 亩/公顷 switch.
 */
export function Fields({ vocab, keys, form, setText, setArea, errors }) {
  const field = (key, label = vocab.byKey[key].label) => {
    const { unit, decimal, hint } = vocab.byKey[key];
    const Field = decimal ? DecimalField : NumberField;
    const props = { label, unit, errors, name: `figures.${key}`, value: form.texts[key], onChange: setText(key) };
    return <Field key={key} hint={hint || null} {...props} />;
  };
  const rows = [];
  let counts = [];
  const flush = () => {
    if (counts.length)
      rows.push(
        <div class="compact-fields" key={`counts-${rows.length}`}>
          {counts}
        </div>,
      );
    counts = [];
  };
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    const indicator = vocab.byKey[key];
    const next = vocab.byKey[keys[i + 1]];
    if (vocab.partOf[key]) {
      const parts = [];
      while (i < keys.length && vocab.partOf[keys[i]]) parts.push(keys[i++]);
      i -= 1;
      counts.push(
        <div class="sub-fields" key={key}>
          {parts.map((part) => field(part))}
        </div>,
      );
    } else if (next && next.label === indicator.label && !indicator.area && !next.area) {
      flush();
      i += 1;
      rows.push(
        <div class="house-row" key={key}>
          <span class="house-label">{indicator.label}</span>
          <div class="two-columns">
            {field(key, `${indicator.unit}数`)}
            {field(next.key, `${next.unit}数`)}
          </div>
        </div>,
      );
    } else if (indicator.area) {
      flush();
      const area = form.areas[key];
      rows.push(
        <AreaField
          key={key}
          label={indicator.label}
          name={`figures.${key}`}
          value={area.text}
          unit={area.unit}
          onChange={setArea(key)}
          errors={errors}
          hint={indicator.hint || null}
        />,
      );
    } else {
      counts.push(field(key));
    }
  }
  flush();
  return rows;
}

/** 万元 with up to two decimals (NumberField takes whole numbers only). */
function DecimalField({ label, name, value, onChange, unit, errors, hint }) {
  return (
    <label class="field">
      <span class="field-label">{label}</span>
      <span class="number-row">
        <input
          class="input input-number"
          name={name}
          type="text"
          inputMode="decimal"
          autoComplete="off"
          value={value}
          onInput={(event) => onChange(event.currentTarget.value)}
        />
        <span class="unit">{unit}</span>
      </span>
      {hint ? <span class="field-hint">{hint}</span> : null}
      <FieldError errors={errors} path={name} />
    </label>
  );
}

/** The phone's position once, for photos whose file carries no GPS; never blocks long, never required. */
function onePosition() {
  return new Promise((resolve) => {
    if (!('geolocation' in navigator)) return resolve(null);
    navigator.geolocation.getCurrentPosition(
      (found) =>
        resolve({
          lat: Math.round(found.coords.latitude * 1e6) / 1e6,
          lon: Math.round(found.coords.longitude * 1e6) / 1e6,
          accuracy_m: Math.round(found.coords.accuracy),
        }),
      () => resolve(null),
      { enableHighAccuracy: true, timeout: 8000, maximumAge: 60000 },
    );
  });
}
