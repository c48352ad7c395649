// 报转移: a village's cumulative evacuation counts for one event and how many are in which shelter. Counts are
// totals since the event began (a new report replaces the last one), so the form starts from the last report.
// The shelter list is read through cache.js: a village officer at a shelter often has no signal.
import { useEffect, useState } from 'preact/hooks';
import {
  Banner,
  BigButton,
  FieldError,
  firstRead,
  NumberField,
  Reading,
  Screen,
  TextField,
  UpdatedAt,
} from '../components/index.js';
import { useCached } from '../cache.js';
import { enqueue, getItem, updateItem } from '../outbox.js';
import { afterSave } from '../outcome.js';
import { useRoute } from '../router.js';
import { useSession } from '../session.js';
import { useOutbox } from '../useOutbox.js';
import {
  capacityWarnings,
  checkEvacuation,
  COUNT_FIELDS,
  displaced,
  parseCount,
  startingForm,
  statisticsUnitId,
} from '../rules/evacuation.js';
import { EventLine, scrollToError, without } from './shared.jsx';
import { currentEvacuation, SHELTER_LIST } from '../reportLists.js';
import './reports.css';

const SHOWN_AT_FIRST = 6; // a township may list dozens of shelters; the village's own come first

export function EvacuationForm({ params }) {
  const eventId = params.id;
  const { query } = useRoute();
  const fixId = query.get('fix');
  const event = useCached(`/events/${eventId}`);
  const current = useCached(currentEvacuation(eventId));
  const shelters = useCached(SHELTER_LIST);
  const outbox = useOutbox();
  const [fixing, setFixing] = useState(fixId ? undefined : null);
  useEffect(() => {
    if (fixId) getItem(fixId).then((item) => setFixing(item || null));
  }, [fixId]);

  if (!outbox.loaded || fixing === undefined || [event, current, shelters].some(firstRead)) {
    return (
      <Screen title="报转移" back="/">
        <Reading waiting />
      </Screen>
    );
  }
  // The newest report still on the phone is newer than anything the server has.
  const url = `/events/${eventId}/evacuations`;
  const queued = outbox.items.filter(
    (item) => item.kind === 'evacuation' && item.url === url && item.clientId !== fixId,
  );
  const onServer = current.data && current.data.items[0];
  const previous = queued.length ? queued[queued.length - 1].body : onServer || null;
  return (
    <EvacuationBody
      url={url}
      event={event.data}
      previous={previous}
      previousKnown={Boolean(current.data) || queued.length > 0}
      serverAllocations={onServer ? onServer.allocations : []}
      shelters={shelters}
      fixing={fixing}
    />
  );
}

function EvacuationBody({ url, event, previous, previousKnown, serverAllocations, shelters, fixing }) {
  const { user } = useSession();
  const [form, setForm] = useState(() => startingForm(fixing ? fixing.body : previous));
  const [checked, setChecked] = useState(Boolean(fixing));
  const [serverErrors, setServerErrors] = useState((fixing && fixing.lastError && fixing.lastError.fields) || {});
  const [showAll, setShowAll] = useState(false);
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState(null);

  const list = shelters.data ? shelters.data.items : [];
  const village = statisticsUnitId(user.org_unit);
  // The village's own shelters first, then those with people already placed, then the rest of the township.
  const allocated = new Map(form.allocations.map((a) => [Number(a.shelter_id), a.persons]));
  const ordered = [...list].sort((a, b) => rank(a) - rank(b));
  function rank(shelter) {
    if (shelter.org_unit_id === village) return 0;
    return allocated.has(shelter.id) ? 1 : 2;
  }
  const visible = showAll ? ordered : ordered.filter((s, index) => index < SHOWN_AT_FIRST || allocated.has(s.id));

  const { payload, errors: localErrors } = checkEvacuation(form);
  const errors = { ...serverErrors, ...(checked ? localErrors : {}) };
  const warnings = Object.keys(localErrors).length
    ? []
    : capacityWarnings({ allocations: payload.allocations, shelters: list, previousAllocations: serverAllocations });
  const counts = Object.fromEntries(COUNT_FIELDS.map(({ key }) => [key, parseCount(form[key]).value ?? 0]));

  const setCount = (key) => (value) => {
    setServerErrors((all) => without(all, key));
    setForm((f) => ({ ...f, [key]: value }));
  };
  const setPersons = (shelterId) => (value) => {
    setServerErrors((all) => without(all, 'allocations'));
    setForm((f) => {
      const rest = f.allocations.filter((a) => Number(a.shelter_id) !== shelterId);
      return { ...f, allocations: value === '' ? rest : [...rest, { shelter_id: shelterId, persons: value }] };
    });
  };

  const count = (key) => {
    const { label, unit, hint } = COUNT_FIELDS.find((f) => f.key === key);
    const props = { label, unit, hint, errors, name: key, value: form[key], onChange: setCount(key) };
    return <NumberField key={key} {...props} />;
  };

  const submit = async (e) => {
    e.preventDefault();
    setChecked(true);
    if (Object.keys(localErrors).length) {
      scrollToError();
      return;
    }
    const body = { org_unit_id: village, ...payload };
    const label = `${event ? event.name : ''} 转移 ${payload.evacuated} 人`.trim();
    setSaving(true);
    setSaveError(null);
    try {
      if (fixing) await updateItem(fixing.clientId, { body: { ...fixing.body, ...body }, label });
      const clientId = fixing ? fixing.clientId : await enqueue({ kind: 'evacuation', url, body, label });
      await afterSave(clientId); // 已送达 / 已存在手机 / 未被接受 (outcome.js)
    } catch (error) {
      setSaveError(error.message);
      setSaving(false);
    }
  };

  if (event && event.status === 'closed' && !fixing) {
    // The server refuses it (409 event_closed): say so before anything is typed.
    return (
      <Screen title="报转移" back="/">
        <EventLine event={event} />
        <Banner tone="warn">灾害过程已结束，不能再填报</Banner>
        <BigButton label="我的报告" tone="secondary" href="/reports" />
      </Screen>
    );
  }

  return (
    <Screen title={fixing ? '修改转移情况' : '报转移'} back="/">
      <EventLine event={event} />
      {fixing && fixing.lastError ? <Banner tone="error">服务器没有收下：{fixing.lastError.message}</Banner> : null}
      <p class="stage-help">
        填从灾害开始到现在的<strong>累计人数</strong>，新报的会替换上一次。
        {previous && !fixing ? '下面的数字是上一次报的，改成现在的数即可。' : ''}
      </p>
      {!previousKnown ? <Banner tone="warn">没有网络，读不到本村上一次报的转移人数，请填现在的总数。</Banner> : null}

      <form class="form" onSubmit={submit} novalidate>
        <section class="figure-group">
          <h2 class="section-title">转移人数</h2>
          <div class="compact-fields">
            {count('evacuated')}
            <div class="sub-fields">
              {count('centralized')}
              {count('dispersed')}
            </div>
            {count('returned')}
          </div>
          <p class="displaced" data-displaced={displaced(counts)}>
            现在还在外面：<strong>{Math.max(0, displaced(counts))}</strong> 人
          </p>
        </section>

        <section class="figure-group">
          <h2 class="section-title">集中安置在哪里</h2>
          <p class="field-hint">填每个避难场所住了本村多少人，合计不能超过集中安置人数（{counts.centralized} 人）。</p>
          <UpdatedAt at={shelters.updatedAt} fromCache={shelters.fromCache} />
          {!shelters.data ? (
            <Banner tone="warn">还没有读到避难场所名单（需要联网一次）。可以先只报人数。</Banner>
          ) : null}
          {shelters.data && !list.length ? <p class="muted">本村和本乡镇还没有登记避难场所。</p> : null}
          <div class="compact-fields">
            {visible.map((shelter) => (
              <div class="shelter-row" key={shelter.id} data-shelter={shelter.name}>
                <NumberField
                  label={shelter.name}
                  name={`shelter-${shelter.id}`}
                  value={allocated.get(shelter.id) ?? ''}
                  onChange={setPersons(shelter.id)}
                  unit="人"
                  hint={`${shelter.kind_name || ''} 可住 ${shelter.capacity} 人，现住 ${shelter.occupancy} 人`}
                />
              </div>
            ))}
          </div>
          {!showAll && ordered.length > visible.length ? (
            <button type="button" class="link-button" onClick={() => setShowAll(true)}>
              显示全部 {ordered.length} 个避难场所
            </button>
          ) : null}
          <FieldError errors={errors} path="allocations" />
          {Object.keys(errors)
            .filter((path) => path.startsWith('allocations.'))
            .map((path) => (
              <FieldError key={path} errors={errors} path={path} />
            ))}
          {warnings.map((warning) => (
            <Banner key={warning.shelter_id} tone="warn">
              {warning.message}。仍可报送，请同时告诉乡镇。
            </Banner>
          ))}
        </section>

        <TextField
          label="补充说明"
          name="note"
          value={form.note}
          onChange={(note) => setForm((f) => ({ ...f, note }))}
          multiline
          placeholder="可不填"
          errors={errors}
        />
        {Object.keys(errors).length ? <Banner tone="error">请按红字改好再保存。</Banner> : null}
        {saveError ? <Banner tone="error">{saveError}</Banner> : null}
        <BigButton
          type="submit"
          name="submit"
          label={saving ? '正在保存…' : fixing ? '保存并重发' : '保存并上报'}
          disabled={saving}
        />
        <p class="field-hint">先存在手机上，有网络时自动发送，没信号也可以报。</p>
      </form>
    </Screen>
  );
}
