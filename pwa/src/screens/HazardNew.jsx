import { useEffect, useState } from 'preact/hooks';
import { Banner, BigButton, ChoiceGrid, NumberField, PhotoPicker, Screen, TextField, toInt } from '../components/index.js';
import { isoLocal } from '../format.js';
import { useDevicePosition } from '../location.js';
import { enqueue, getItem, updateItem } from '../outbox.js';
import { afterSave } from '../outcome.js';
import { preparePhoto } from '../photos.js';
import { useRoute } from '../router.js';

// The server's keys (server/hazards/models.py CATEGORIES, RISK_LEVELS), in the order a village sees them most.
export const CATEGORIES = [
  ['landslide', '滑坡'],
  ['collapse', '崩塌'],
  ['debris_flow', '泥石流'],
  ['flash_flood', '山洪'],
  ['waterlogging', '内涝'],
  ['dangerous_house', '危房'],
  ['embankment', '河道堤防'],
  ['reservoir', '水库山塘'],
  ['ground_subsidence', '地面塌陷'],
  ['road_bridge', '道路桥梁'],
  ['forest_fire', '森林火险'],
  ['work_safety', '安全生产'],
  ['other', '其他'],
].map(([value, label]) => ({ value, label }));

export const RISK_LEVELS = [
  { value: 'low', label: '低（蓝）', tone: 'blue' },
  { value: 'medium', label: '一般（黄）', tone: 'yellow' },
  { value: 'high', label: '较大（橙）', tone: 'orange' },
  { value: 'major', label: '重大（红）', tone: 'red' },
];

const EMPTY = { category: '', risk_level: '', title: '', description: '', households: '', persons: '', address: '' };

/** The rules the phone checks before saving; the server checks them again. Same shape as 422 details.fields. */
export function checkHazard(form, position) {
  const errors = {};
  if (!form.category) errors.category = ['请选择隐患类型'];
  if (!form.risk_level) errors.risk_level = ['请选择风险等级'];
  if (!form.title.trim()) errors.title = ['请填写隐患名称'];
  const gpsGood = position.status === 'ok';
  if (!gpsGood && !form.address.trim()) {
    errors.address = [position.status === 'poor' ? '定位不准，请填写地址或位置说明' : '没有定位，请填写地址或位置说明'];
  }
  return errors;
}

export function HazardNew() {
  const { query } = useRoute();
  const fixId = query.get('fix');
  const position = useDevicePosition();
  const [form, setForm] = useState(EMPTY);
  const [photos, setPhotos] = useState([]);
  const [busyPhotos, setBusyPhotos] = useState(false);
  const [errors, setErrors] = useState({});
  const [fixing, setFixing] = useState(null);
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState(null);

  useEffect(() => {
    if (!fixId) return;
    getItem(fixId).then((item) => {
      if (!item) return;
      const b = item.body;
      setFixing(item);
      setForm({
        category: b.category,
        risk_level: b.risk_level,
        title: b.title,
        description: b.description || '',
        households: String(b.threatened_households ?? ''),
        persons: String(b.threatened_persons ?? ''),
        address: b.address || '',
      });
      setErrors((item.lastError && item.lastError.fields) || {});
    });
  }, [fixId]);

  // Changing a field clears its message: the red text says what is still wrong, not what was.
  const field = (name, path = name) => (value) => {
    setForm((previous) => ({ ...previous, [name]: value }));
    setErrors((previous) => {
      if (!previous[path]) return previous;
      const { [path]: _cleared, ...rest } = previous;
      return rest;
    });
  };

  const pick = async (files) => {
    setBusyPhotos(true);
    try {
      const prepared = await Promise.all(files.map((file) => preparePhoto(file, position.position)));
      setPhotos((previous) => [...previous, ...prepared]);
    } finally {
      setBusyPhotos(false);
    }
  };

  const save = async (event) => {
    event.preventDefault();
    const found = checkHazard(form, position);
    setErrors(found);
    if (Object.keys(found).length) {
      document.querySelector('.field-error')?.scrollIntoView({ block: 'center' });
      return;
    }
    const gps = position.position;
    const body = {
      category: form.category,
      risk_level: form.risk_level,
      title: form.title.trim(),
      description: form.description.trim(),
      threatened_households: toInt(form.households),
      threatened_persons: toInt(form.persons),
      address: form.address.trim(),
      lat: gps ? gps.lat : null,
      lon: gps ? gps.lon : null,
      accuracy_m: gps ? gps.accuracy_m : null,
      found_at: fixing ? fixing.body.found_at : isoLocal(),
    };
    setSaving(true);
    setSaveError(null);
    try {
      let clientId = fixing && fixing.clientId;
      if (fixing) {
        await updateItem(fixing.clientId, { body: { ...fixing.body, ...body }, label: body.title });
      } else {
        // A photo picked before the position arrived takes the position now (the shrunk JPEG has no GPS).
        const withPlace = photos.map((photo) =>
          photo.lat == null && gps ? { ...photo, lat: gps.lat, lon: gps.lon, accuracy_m: gps.accuracy_m } : photo,
        );
        clientId = await enqueue({ kind: 'hazard', url: '/hazards', body, photos: withPlace, label: body.title });
      }
      await afterSave(clientId); // 已送达 / 已存在手机 / 未被接受 (outcome.js)
    } catch (error) {
      setSaveError(error.message);
    } finally {
      setSaving(false);
    }
  };

  return (
    <Screen title={fixing ? '修改隐患' : '上报隐患'} back="/">
      {fixing && fixing.lastError ? <Banner tone="error">服务器没有收下：{fixing.lastError.message}</Banner> : null}
      <form class="form" onSubmit={save} novalidate>
        <ChoiceGrid label="隐患类型" name="category" options={CATEGORIES} value={form.category} onChange={field('category')} errors={errors} required />
        <ChoiceGrid label="风险等级" name="risk_level" options={RISK_LEVELS} value={form.risk_level} onChange={field('risk_level')} columns={2} errors={errors} required />
        <TextField label="隐患名称" name="title" value={form.title} onChange={field('title')} placeholder="如：后山滑坡、村口危房" errors={errors} required />
        {fixing ? (
          fixing.photos.length ? <p class="muted">已保存的 {fixing.photos.length} 张照片会一起发送。</p> : null
        ) : (
          <PhotoPicker photos={photos} busy={busyPhotos} onPick={pick} onRemove={(id) => setPhotos((previous) => previous.filter((photo) => photo.id !== id))} />
        )}
        <TextField label="情况说明" name="description" value={form.description} onChange={field('description')} multiline placeholder="看到了什么，多大范围，有没有在变化" errors={errors} />
        <div class="two-columns">
          <NumberField label="威胁户数" name="threatened_households" value={form.households} onChange={field('households', 'threatened_households')} unit="户" errors={errors} />
          <NumberField label="威胁人数" name="threatened_persons" value={form.persons} onChange={field('persons', 'threatened_persons')} unit="人" errors={errors} />
        </div>
        <LocationBlock position={position} />
        <TextField
          label="地址或位置说明"
          name="address"
          value={form.address}
          onChange={field('address')}
          placeholder="如：三组后山，老李家屋后"
          errors={errors}
          required={position.status !== 'ok'}
          hint={position.status === 'ok' ? '已定位，可不填' : null}
        />
        {Object.keys(errors).length ? <Banner tone="error">请按红字改好再保存。</Banner> : null}
        {saveError ? <Banner tone="error">{saveError}</Banner> : null}
        <BigButton type="submit" label={saving ? '正在保存…' : fixing ? '保存并重发' : '保存并上报'} disabled={saving || busyPhotos} name="submit" />
        <p class="field-hint">先存在手机上，有网络时自动发送，没信号也可以报。</p>
      </form>
    </Screen>
  );
}

function LocationBlock({ position }) {
  const { status, position: at, locate } = position;
  const text = {
    idle: '正在定位…',
    locating: '正在定位…',
    ok: at ? `已定位，精度约 ${at.accuracy_m} 米` : '',
    poor: at ? `定位不准（误差约 ${at.accuracy_m} 米），请在下面写清位置` : '',
    denied: '没有定位权限，请在下面写清位置',
    unavailable: '暂时无法定位，请在下面写清位置',
  }[status];
  return (
    <div class="field location">
      <span class="field-label">位置</span>
      <p class={`location-status location-${status}`} data-status={status}>
        {text}
      </p>
      {status !== 'locating' ? (
        <button type="button" class="link-button" onClick={locate}>
          重新定位
        </button>
      ) : null}
    </div>
  );
}
