// Evacuation counts (转移避险) and their allocations to shelters, checked on the phone before saving.
//
// The messages and field paths are the server's (server/evacuation/service.py _check_counts, _check_shelters,
// capacity_warnings and server/evacuation/schemas.py), so the phone and the server say the same thing.

export const COUNT_FIELDS = [
  { key: 'evacuated', label: '紧急避险转移', unit: '人' },
  { key: 'centralized', label: '其中集中安置', unit: '人', hint: '住进避难场所' },
  { key: 'dispersed', label: '其中分散安置', unit: '人', hint: '投亲靠友' },
  { key: 'returned', label: '已返回', unit: '人', hint: '已回家的人数' },
];

const SUM_MESSAGE = '集中安置与分散安置人数之和须等于紧急避险转移人数';
const RETURNED_MESSAGE = '已返回人数不能超过紧急避险转移人数';
const ALLOCATIONS_MESSAGE = '分配到避难场所的人数之和不能超过集中安置人数';
const DUPLICATE_MESSAGE = '同一避难场所不能重复填写';
const WHOLE = { invalid: '须为整数', negative: '不能为负数' };

/** A person count typed in a field (or received): `{value}` or `{error}`; blank is 0. */
export function parseCount(value) {
  if (value === undefined || value === null) return { value: 0 };
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) return { error: WHOLE.invalid };
    return value < 0 ? { error: WHOLE.negative } : { value: value === 0 ? 0 : value };
  }
  const text = String(value)
    .trim()
    .replace(/[０-９]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xff10 + 48));
  if (text === '') return { value: 0 };
  if (/^-\d+$/.test(text)) return { error: WHOLE.negative };
  if (!/^\+?\d+$/.test(text)) return { error: WHOLE.invalid };
  return { value: Number(text) };
}

/**
 * The form's texts → `{payload, errors}`. `form`: `{evacuated, centralized, dispersed, returned, note,
 * allocations: [{shelter_id, persons}]}` (rows with no shelter or no persons are dropped: an empty row is not
 * an allocation). `payload` is the API body without `client_id`/`org_unit_id`; `errors` maps the server's
 * field paths to its messages, `{}` when the server would accept the counts.
 */
export function checkEvacuation(form) {
  const errors = {};
  const counts = {};
  for (const { key } of COUNT_FIELDS) {
    const parsed = parseCount(form[key]);
    if (parsed.error) errors[key] = [parsed.error];
    counts[key] = parsed.value ?? 0;
  }
  const allocations = [];
  (form.allocations ?? []).forEach((row) => {
    if (row.shelter_id === '' || row.shelter_id === null || row.shelter_id === undefined) return;
    const parsed = parseCount(row.persons);
    if (!parsed.error && parsed.value === 0) return;
    const index = allocations.length;
    if (parsed.error) errors[`allocations.${index}.persons`] = [parsed.error];
    allocations.push({ shelter_id: Number(row.shelter_id), persons: parsed.value ?? 0 });
  });
  if (Object.keys(errors).length === 0) Object.assign(errors, countErrors(counts, allocations));
  return {
    payload: { ...counts, allocations, note: (form.note ?? '').trim() },
    errors,
  };
}

/** The rules of PRODUCT.md on whole counts, in the server's words. */
export function countErrors(counts, allocations = []) {
  const errors = {};
  if (counts.centralized + counts.dispersed !== counts.evacuated) {
    errors.centralized = [SUM_MESSAGE];
    errors.dispersed = [SUM_MESSAGE];
  }
  if (counts.returned > counts.evacuated) errors.returned = [RETURNED_MESSAGE];
  if (allocations.reduce((sum, a) => sum + a.persons, 0) > counts.centralized)
    errors.allocations = [ALLOCATIONS_MESSAGE];
  const seen = new Set();
  allocations.forEach((a, index) => {
    if (seen.has(a.shelter_id)) errors[`allocations.${index}.shelter_id`] = [DUPLICATE_MESSAGE];
    seen.add(a.shelter_id);
  });
  return errors;
}

/** 当前在外: evacuated − returned. */
export function displaced(counts) {
  return (counts.evacuated ?? 0) - (counts.returned ?? 0);
}

/**
 * Shelters this report would push above capacity: accepted by the server with a warning, so shown as a
 * warning, never a block. `shelters`: the cached list with `occupancy` (persons now, which includes this
 * village's current report); `previousAllocations`: that current report's allocations, which the new report
 * replaces.
 */
export function capacityWarnings({ allocations, shelters, previousAllocations = [] }) {
  const before = new Map(previousAllocations.map((a) => [a.shelter_id, a.persons]));
  const warnings = [];
  for (const a of allocations) {
    const shelter = shelters.find((s) => s.id === a.shelter_id);
    if (!shelter) continue;
    const persons = (shelter.occupancy ?? 0) - (before.get(a.shelter_id) ?? 0) + a.persons;
    if (persons > shelter.capacity) {
      warnings.push({
        shelter_id: shelter.id,
        message: `避难场所“${shelter.name}”现安置 ${persons} 人，超出容量（${shelter.capacity} 人）`,
      });
    }
  }
  return warnings;
}

/** A previous report (or nothing) → the form's starting texts: counts are cumulative for the event. */
export function startingForm(previous) {
  if (!previous) return { evacuated: '', centralized: '', dispersed: '', returned: '', note: '', allocations: [] };
  return {
    evacuated: String(previous.evacuated),
    centralized: String(previous.centralized),
    dispersed: String(previous.dispersed),
    returned: String(previous.returned),
    note: '',
    allocations: (previous.allocations ?? []).map((a) => ({ shelter_id: a.shelter_id, persons: String(a.persons) })),
  };
}

/** The village statistics are filed for: a grid reporter files for its village (PRODUCT.md). */
export function statisticsUnitId(orgUnit) {
  return orgUnit.level === 'grid' ? orgUnit.parent_id : orgUnit.id;
}
