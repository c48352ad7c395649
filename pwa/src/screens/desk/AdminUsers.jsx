// 用户管理 (/desk/admin, role admin): the users of the admin's scope as a table (cards on a phone) — create one,
// change its role, unit, name and phone, reset its password, deactivate or reactivate it (GET/POST/PATCH /users).
// The server keeps every change inside the scope and refuses an admin's changes to its own role, unit or status.
import { useState } from 'preact/hooks';
import { Banner, BigButton, ChoiceGrid, Reading, Screen, TextField, UpdatedAt } from '../../components/index.js';
import { useCached } from '../../cache.js';
import { useSession } from '../../session.js';
import { useSend } from '../../useSend.js';
import { ConfirmDialog } from './ConfirmDialog.jsx';
import { DeskNav, SelectField, readError } from './deskParts.jsx';

export const ROLE_NAMES = { reporter: '信息员', reviewer: '审核员', viewer: '查看', admin: '管理员' };
const ROLE_OPTIONS = Object.entries(ROLE_NAMES).map(([value, label]) => ({ value, label }));
const LEVEL_NAMES = { province: '省', city: '市', county: '县', township: '乡镇', village: '村', grid: '网格' };
const EMPTY = { username: '', name: '', phone: '', role: 'reporter', org_unit_id: '', password: '' };

export function checkUser(form, { creating }) {
  const errors = {};
  if (creating) {
    if (!/^[A-Za-z0-9_.@-]{3,64}$/.test(form.username.trim())) errors.username = ['用户名 3-64 位，只能用字母、数字和 _ . @ -'];
    if (form.password.length < 8) errors.password = ['密码至少 8 位'];
  }
  if (!form.org_unit_id) errors.org_unit_id = ['请选择单位'];
  return errors;
}

/** The units of the scope an admin may place a user in (searchable: a county has hundreds of villages). */
function useUnits(q) {
  const read = useCached(`/org-units?per_page=200${q ? `&q=${encodeURIComponent(q)}` : ''}`);
  const options = (read.data ? read.data.items : []).map((unit) => ({ value: String(unit.id), label: `${unit.name}（${LEVEL_NAMES[unit.level] || unit.level}）` }));
  return options;
}

function UnitPicker({ value, onChange, errors, current }) {
  const [q, setQ] = useState('');
  const options = useUnits(q.trim());
  const shown = current && !options.some((o) => o.value === String(current.id)) ? [{ value: String(current.id), label: current.name }, ...options] : options;
  return (
    <>
      <TextField label="查找单位" name="unit_q" value={q} onChange={setQ} placeholder="输入村、乡镇名称或代码" />
      <SelectField label="单位" name="org_unit_id" value={value} onChange={onChange} options={[{ value: '', label: '请选择单位' }, ...shown]} errors={errors} required />
    </>
  );
}

export function AdminUsers() {
  const { user } = useSession();
  const [q, setQ] = useState('');
  const list = useCached(`/users?per_page=200${q.trim() ? `&q=${encodeURIComponent(q.trim())}` : ''}`);
  const [dialog, setDialog] = useState(null); // {kind: 'edit' | 'password' | 'active', target}
  const [done, setDone] = useState(null);
  if (user.role !== 'admin') {
    return (
      <Screen title="用户管理" back="/">
        <Banner tone="warn">只有管理员可以管理用户。</Banner>
      </Screen>
    );
  }
  const finished = (text) => {
    setDialog(null);
    setDone(text);
    list.reload();
  };
  const items = list.data ? list.data.items : [];
  return (
    <Screen title="用户管理" back="/">
      <div class="desk-wide">
        <DeskNav />
        {done ? <Banner tone="ok" action={{ label: '好', onClick: () => setDone(null) }}>{done}</Banner> : null}
        <div class="wide-columns wide-columns-main">
          <section aria-label="用户">
            <h2 class="section-title">{user.org_unit.name}的用户</h2>
            <TextField label="查找用户" name="user_q" value={q} onChange={setQ} placeholder="用户名或姓名" />
            <Reading of={[list]} what="用户" />
            {list.error && !list.data ? <Banner tone="warn">{readError(list.error, '用户')}</Banner> : null}
            {items.length ? (
              <table class="ledger-table user-table">
                <thead>
                  <tr>
                    <th scope="col">用户</th>
                    <th scope="col">角色</th>
                    <th scope="col">单位</th>
                    <th scope="col">电话</th>
                    <th scope="col">状态</th>
                    <th scope="col">操作</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((target) => (
                    <tr key={target.id} data-user={target.username}>
                      <td class="cell-main">
                        {target.name || target.username} <span class="muted">{target.username}</span>
                      </td>
                      <td data-label="角色">{ROLE_NAMES[target.role] || target.role}</td>
                      <td data-label="单位">{target.org_unit ? target.org_unit.name : ''}</td>
                      <td data-label="电话">{target.phone ? <a href={`tel:${target.phone}`}>{target.phone}</a> : '—'}</td>
                      <td data-label="状态">{target.active ? <span class="chip chip-ok">启用</span> : <span class="chip chip-error">已停用</span>}</td>
                      <td>
                        <span class="link-line">
                          <button type="button" class="row-button" onClick={() => setDialog({ kind: 'edit', target })} aria-label={`修改 ${target.username}`}>
                            修改
                          </button>
                          <button type="button" class="row-button" onClick={() => setDialog({ kind: 'password', target })} aria-label={`重置密码 ${target.username}`}>
                            重置密码
                          </button>
                          {target.id !== user.id ? (
                            <button type="button" class={`row-button ${target.active ? 'row-button-danger' : ''}`} onClick={() => setDialog({ kind: 'active', target })} aria-label={`${target.active ? '停用' : '启用'} ${target.username}`}>
                              {target.active ? '停用' : '启用'}
                            </button>
                          ) : null}
                        </span>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : list.data ? (
              <p class="muted">没有找到用户。</p>
            ) : null}
            <UpdatedAt at={list.updatedAt} fromCache={list.fromCache} />
          </section>
          <NewUser onDone={(created) => finished(`已创建用户 ${created.username}（${ROLE_NAMES[created.role]}，${created.org_unit.name}）。`)} />
        </div>
      </div>
      {dialog && dialog.kind === 'edit' ? <EditUser target={dialog.target} onCancel={() => setDialog(null)} onDone={(u) => finished(`已保存 ${u.username} 的修改。`)} /> : null}
      {dialog && dialog.kind === 'password' ? <ResetPassword target={dialog.target} onCancel={() => setDialog(null)} onDone={(u) => finished(`已重置 ${u.username} 的密码，其已登录的设备需要重新登录。`)} /> : null}
      {dialog && dialog.kind === 'active' ? <ToggleActive target={dialog.target} onCancel={() => setDialog(null)} onDone={(u) => finished(`${u.username} 已${u.active ? '启用' : '停用'}。`)} /> : null}
    </Screen>
  );
}

function NewUser({ onDone }) {
  const [form, setForm] = useState(EMPTY);
  const { errors, setErrors, problem, setProblem, sending, send } = useSend();
  const set = (key) => (value) => {
    setForm((previous) => ({ ...previous, [key]: value }));
    setErrors((previous) => ({ ...previous, [key]: undefined }));
  };
  const submit = async (event) => {
    event.preventDefault();
    const found = checkUser(form, { creating: true });
    setErrors(found);
    setProblem(null);
    if (Object.keys(found).length) return;
    const json = { ...form, username: form.username.trim(), name: form.name.trim(), phone: form.phone.trim(), org_unit_id: parseInt(form.org_unit_id, 10) };
    await send('/users', { method: 'POST', json }, {
      offline: '没有网络，用户没有创建。请联网后再试。',
      done: (created) => {
        setForm(EMPTY);
        onDone(created);
      },
    });
  };
  return (
    <section class="card" aria-label="新建用户">
      <h2 class="section-title">新建用户</h2>
      <form class="form" onSubmit={submit} noValidate>
        {problem ? <Banner tone="error">{problem}</Banner> : null}
        <TextField label="用户名" name="username" value={form.username} onChange={set('username')} errors={errors} required hint="登录用，字母或数字" />
        <TextField label="姓名" name="name" value={form.name} onChange={set('name')} errors={errors} />
        <TextField label="电话" name="phone" type="tel" value={form.phone} onChange={set('phone')} errors={errors} />
        <ChoiceGrid label="角色" name="role" options={ROLE_OPTIONS} value={form.role} onChange={set('role')} columns={2} errors={errors} required />
        <UnitPicker value={form.org_unit_id} onChange={set('org_unit_id')} errors={errors} />
        <TextField label="初始密码" name="password" type="password" autoComplete="new-password" value={form.password} onChange={set('password')} errors={errors} required hint="至少 8 位，告诉本人后请其登录" />
        <BigButton type="submit" label={sending ? '正在创建…' : '创建用户'} disabled={sending} />
      </form>
    </section>
  );
}

function EditUser({ target, onCancel, onDone }) {
  const [form, setForm] = useState({ name: target.name || '', phone: target.phone || '', role: target.role, org_unit_id: String(target.org_unit ? target.org_unit.id : '') });
  const { errors, setErrors, problem, sending, send } = useSend();
  const set = (key) => (value) => {
    setForm((previous) => ({ ...previous, [key]: value }));
    setErrors((previous) => ({ ...previous, [key]: undefined }));
  };
  const save = async () => {
    const found = checkUser(form, { creating: false });
    setErrors(found);
    if (Object.keys(found).length) return;
    const json = { name: form.name.trim(), phone: form.phone.trim() };
    if (form.role !== target.role) json.role = form.role;
    if (form.org_unit_id !== String(target.org_unit.id)) json.org_unit_id = parseInt(form.org_unit_id, 10);
    await send(`/users/${target.id}`, { method: 'PATCH', json }, { offline: '没有网络，没有保存。', done: onDone });
  };
  return (
    <ConfirmDialog open title={`修改 ${target.username}`} confirmLabel="保存" busy={sending} onConfirm={save} onCancel={onCancel}>
      {problem ? <Banner tone="error">{problem}</Banner> : null}
      <TextField label="姓名" name="name" value={form.name} onChange={set('name')} errors={errors} />
      <TextField label="电话" name="phone" type="tel" value={form.phone} onChange={set('phone')} errors={errors} />
      <ChoiceGrid label="角色" name="role" options={ROLE_OPTIONS} value={form.role} onChange={set('role')} columns={2} errors={errors} />
      <UnitPicker value={form.org_unit_id} onChange={set('org_unit_id')} errors={errors} current={target.org_unit} />
    </ConfirmDialog>
  );
}

function ResetPassword({ target, onCancel, onDone }) {
  const [password, setPassword] = useState('');
  const { errors, setErrors, problem, sending, send } = useSend();
  const save = async () => {
    if (password.length < 8) {
      setErrors({ password: ['密码至少 8 位'] });
      return;
    }
    await send(`/users/${target.id}`, { method: 'PATCH', json: { password } }, { offline: '没有网络，密码没有重置。', done: onDone });
  };
  return (
    <ConfirmDialog open title={`重置 ${target.username} 的密码`} confirmLabel="重置密码" busy={sending} onConfirm={save} onCancel={onCancel}>
      {problem ? <Banner tone="error">{problem}</Banner> : null}
      <p>重置后，这个用户已登录的手机和电脑都要用新密码重新登录。</p>
      <TextField label="新密码" name="password" type="password" autoComplete="new-password" value={password} onChange={(v) => { setPassword(v); setErrors({}); }} errors={errors} required hint="至少 8 位" />
    </ConfirmDialog>
  );
}

function ToggleActive({ target, onCancel, onDone }) {
  const { problem, sending, send } = useSend();
  const stop = target.active;
  const save = () => send(`/users/${target.id}`, { method: 'PATCH', json: { active: !stop } }, { offline: '没有网络，没有改变。', done: onDone });
  return (
    <ConfirmDialog open title={`${stop ? '停用' : '启用'} ${target.username}？`} confirmLabel={stop ? '停用' : '启用'} tone={stop ? 'danger' : 'primary'} busy={sending} onConfirm={save} onCancel={onCancel}>
      {problem ? <Banner tone="error">{problem}</Banner> : null}
      <p>{stop ? '停用后这个用户不能再登录，已登录的设备立即退出。可以随时再启用。' : '启用后这个用户可以再次登录。'}</p>
    </ConfirmDialog>
  );
}
