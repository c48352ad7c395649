// 区划与网格 (/desk/admin/units, role admin): the unit tree of the admin's scope, opened level by level
// (GET /org-units?parent_id=), and the grids (网格) of a village: a grid is added under a village with its own code
// (the village's 12 digits and a suffix) and name (POST /org-units, level grid).
import { useState } from 'preact/hooks';
import { Banner, BigButton, Reading, Screen, TextField } from '../../components/index.js';
import { useCached } from '../../cache.js';
import { useSession } from '../../session.js';
import { useSend } from '../../useSend.js';
import { DeskNav, readError } from './deskParts.jsx';

const LEVEL_NAMES = { province: '省', city: '市', county: '县', township: '乡镇', village: '村', grid: '网格' };

export function AdminUnits() {
  const { user } = useSession();
  if (user.role !== 'admin') {
    return (
      <Screen title="区划与网格" back="/">
        <Banner tone="warn">只有管理员可以维护区划和网格。</Banner>
      </Screen>
    );
  }
  return (
    <Screen title="区划与网格" back="/">
      <div class="desk-wide">
        <DeskNav />
        <p class="muted">点「展开」看下级单位；村下面可以新增网格。</p>
        <ul class="org-tree">
          <UnitNode unit={user.org_unit} startOpen />
        </ul>
      </div>
    </Screen>
  );
}

function UnitNode({ unit, startOpen = false }) {
  const [open, setOpen] = useState(startOpen);
  const [adding, setAdding] = useState(false);
  const [version, setVersion] = useState(0);
  const leaf = unit.level === 'grid';
  return (
    <li data-unit={unit.name}>
      <div class="org-line">
        <span class="org-name">
          {unit.name}
          <span class="chip">{LEVEL_NAMES[unit.level] || unit.level}</span>
          <span class="org-code muted">{unit.code}</span>
        </span>
        <span class="org-actions">
          {!leaf ? (
            <button type="button" class="row-button" aria-expanded={open} onClick={() => setOpen(!open)} aria-label={`${open ? '收起' : '展开'} ${unit.name}`}>
              {open ? '收起' : '展开'}
            </button>
          ) : null}
          {unit.level === 'village' ? (
            <button type="button" class="row-button" onClick={() => setAdding(!adding)} aria-label={`新增网格 ${unit.name}`}>
              新增网格
            </button>
          ) : null}
        </span>
      </div>
      {adding ? (
        <NewGrid
          village={unit}
          onDone={() => {
            setAdding(false);
            setOpen(true);
            setVersion(version + 1);
          }}
        />
      ) : null}
      {open && !leaf ? <Children key={version} parent={unit} /> : null}
    </li>
  );
}

function Children({ parent }) {
  const read = useCached(`/org-units?parent_id=${parent.id}&per_page=200`);
  const items = read.data ? read.data.items : [];
  return (
    <div class="org-children">
      <Reading of={[read]} what="下级单位" />
      {read.error && !read.data ? <Banner tone="warn">{readError(read.error, '下级单位')}</Banner> : null}
      {read.data && !items.length ? <p class="muted">没有下级单位。</p> : null}
      <ul class="org-tree">
        {items.map((unit) => (
          <UnitNode key={unit.id} unit={unit} />
        ))}
      </ul>
      {read.data && read.data.total > items.length ? <p class="muted">只显示前 {items.length} 个，共 {read.data.total} 个。</p> : null}
    </div>
  );
}

function NewGrid({ village, onDone }) {
  const [form, setForm] = useState({ name: '', code: `${village.code}` });
  const { errors, setErrors, problem, sending, send } = useSend();
  const set = (key) => (value) => {
    setForm((previous) => ({ ...previous, [key]: value }));
    setErrors((previous) => ({ ...previous, [key]: undefined }));
  };
  const submit = async (event) => {
    event.preventDefault();
    const found = {};
    if (!form.name.trim()) found.name = ['请填写网格名称'];
    if (!form.code.startsWith(village.code) || form.code.length <= village.code.length || !/^[0-9]+$/.test(form.code)) found.code = [`代码以村代码 ${village.code} 开头，后面加数字`];
    setErrors(found);
    if (Object.keys(found).length) return;
    await send('/org-units', { method: 'POST', json: { code: form.code, name: form.name.trim(), level: 'grid', parent_id: village.id } }, { offline: '没有网络，网格没有新增。', done: onDone });
  };
  return (
    <form class="form card" onSubmit={submit} noValidate aria-label={`${village.name}新增网格`}>
      {problem ? <Banner tone="error">{problem}</Banner> : null}
      <TextField label="网格名称" name="name" value={form.name} onChange={set('name')} errors={errors} required placeholder="如：第一网格" />
      <TextField label="网格代码" name="code" value={form.code} onChange={set('code')} errors={errors} required hint={`村代码 ${village.code} 后加数字，如 ${village.code}001`} />
      <BigButton type="submit" label={sending ? '正在新增…' : '新增网格'} disabled={sending} />
    </form>
  );
}
