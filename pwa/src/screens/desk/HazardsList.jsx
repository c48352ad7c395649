// 隐患台账 (/desk/hazards): the hazards of the scope as a table (cards on a phone). A township works through it —
// 待核实 to verify (核实 / 驳回), 整改中 to follow, overdue first — and a county reads the ledger with its filters
// (status, category, risk level, township or village) and downloads it as XLSX with the same filters. The filters
// live in the address (?status=reported&overdue=true…), so a desk count can link to its list.
import { Banner, Reading, Screen, UpdatedAt } from '../../components/index.js';
import { useCached } from '../../cache.js';
import { API_BASE } from '../../api.js';
import { navigate, useRoute } from '../../router.js';
import { useSession } from '../../session.js';
import { CATEGORIES } from '../HazardNew.jsx';
import { DeskNav, RISK_LEVELS, RiskTag, SelectField, day, readError } from './deskParts.jsx';

const FILTERS = ['status', 'category', 'risk_level', 'org_unit_id', 'overdue'];
const STATUS_OPTIONS = [
  ['reported', '待核实'],
  ['verified', '已核实'],
  ['rectifying', '整改中'],
  ['rectified', '已整改'],
  ['closed', '已销号'],
  ['rejected', '已排除'],
];
const VIEWS = [
  ['?status=reported', '待核实'],
  ['?status=rectifying', '整改中'],
  ['?overdue=true', '整改超期'],
  ['', '全部'],
];

/** The filters of the address, as given (only the known ones, non-empty). */
export function filtersOf(query) {
  const found = {};
  for (const name of FILTERS) {
    const value = query.get(name);
    if (value) found[name] = value;
  }
  return found;
}

/** Overdue rectifications first (the earliest deadline first), then the server's order (newest found first). */
export function overdueFirst(items) {
  const overdue = items.filter((h) => h.overdue).sort((a, b) => String(a.deadline).localeCompare(String(b.deadline)));
  return [...overdue, ...items.filter((h) => !h.overdue)];
}

export function HazardsList() {
  const { user } = useSession();
  const { query } = useRoute();
  const filters = filtersOf(query);
  const search = new URLSearchParams(filters).toString();
  const list = useCached(`/hazards?${search ? `${search}&` : ''}per_page=200`);
  const children = useCached(`/org-units?parent_id=${user.org_unit.id}&per_page=200`);
  const childLevel = user.org_unit.level === 'county' ? '乡镇' : user.org_unit.level === 'township' ? '村' : '单位';
  const set = (name) => (value) => {
    const next = { ...filters, [name]: value };
    if (!value) delete next[name];
    const text = new URLSearchParams(next).toString();
    navigate(`/desk/hazards${text ? `?${text}` : ''}`, { replace: true });
  };
  const items = list.data ? overdueFirst(list.data.items) : [];
  const exportHref = `${API_BASE}/hazards/export.xlsx${search ? `?${search}` : ''}`;
  const current = search ? `?${search}` : '';

  return (
    <Screen title="隐患台账" back="/">
      <div class="desk-wide">
        <DeskNav />
        <nav class="desk-tabs" aria-label="隐患分类查看">
          {VIEWS.map(([href, label]) => (
            <a key={label} href={`/desk/hazards${href}`} aria-current={current === href ? 'page' : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <div class="filter-grid" role="search" aria-label="筛选隐患">
          <SelectField label="状态" name="status" value={filters.status || ''} onChange={set('status')} options={[{ value: '', label: '全部状态' }, ...STATUS_OPTIONS.map(([value, label]) => ({ value, label }))]} />
          <SelectField label="类型" name="category" value={filters.category || ''} onChange={set('category')} options={[{ value: '', label: '全部类型' }, ...CATEGORIES]} />
          <SelectField label="风险等级" name="risk_level" value={filters.risk_level || ''} onChange={set('risk_level')} options={[{ value: '', label: '全部等级' }, ...RISK_LEVELS.map(([value, label]) => ({ value, label }))]} />
          <SelectField
            label={childLevel}
            name="org_unit_id"
            value={filters.org_unit_id || ''}
            onChange={set('org_unit_id')}
            options={[{ value: '', label: `全部${childLevel}` }, ...(children.data ? children.data.items : []).map((unit) => ({ value: String(unit.id), label: unit.name }))]}
          />
        </div>
        <p class="link-line">
          <a class="go-link" href={exportHref} download="">
            下载台账（XLSX）
          </a>
          {filters.overdue ? <span class="chip chip-error">只看整改超期</span> : null}
          {list.data ? <span class="muted">共 {list.data.total} 处{list.data.total > items.length ? `，显示前 ${items.length} 处` : ''}</span> : null}
        </p>
        <Reading of={[list]} what="隐患" />
        {list.error && !list.data ? <Banner tone="warn">{readError(list.error, '隐患')}</Banner> : null}
        {list.data && !items.length ? <p class="muted">没有符合条件的隐患。</p> : null}
        {items.length ? (
          <table class="ledger-table hazard-table">
            <thead>
              <tr>
                <th scope="col">名称</th>
                <th scope="col">编号</th>
                <th scope="col">村</th>
                <th scope="col">类型</th>
                <th scope="col">风险等级</th>
                <th scope="col">状态</th>
                <th scope="col">时限</th>
                <th scope="col">发现日期</th>
              </tr>
            </thead>
            <tbody>
              {items.map((hazard) => (
                <tr key={hazard.id} class={hazard.overdue ? 'row-overdue' : ''} data-hazard={hazard.id}>
                  <td class="cell-main">
                    <a href={`/desk/hazards/${hazard.id}`}>{hazard.title}</a>
                  </td>
                  <td data-label="编号">{hazard.number}</td>
                  <td data-label="村">{hazard.org_unit ? hazard.org_unit.name : ''}</td>
                  <td data-label="类型">{hazard.category_name}</td>
                  <td data-label="风险等级">
                    <RiskTag level={hazard.risk_level} name={hazard.risk_level_name} />
                  </td>
                  <td data-label="状态">
                    {hazard.status_name}
                    {hazard.overdue ? <span class="chip chip-error">整改超期</span> : null}
                    {hazard.supervised ? <span class="chip chip-warn">挂牌督办</span> : null}
                  </td>
                  <td data-label="时限">{day(hazard.deadline)}</td>
                  <td data-label="发现日期">{day(hazard.found_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
        <UpdatedAt at={list.updatedAt} fromCache={list.fromCache} />
      </div>
    </Screen>
  );
}
