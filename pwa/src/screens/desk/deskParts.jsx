// Pieces the desk's event, hazard, map and admin screens share: the links between them, a select field, the risk
// tag, reading a paginated list, the time and number formats.
import { useRoute } from '../../router.js';
import { useSession } from '../../session.js';
import { FieldError } from '../../components/index.js';
import './desk-more.css';

export const RISK_LEVELS = [
  ['major', '重大（红）'],
  ['high', '较大（橙）'],
  ['medium', '一般（黄）'],
  ['low', '低（蓝）'],
];
export const RISK_ORDER = { major: 0, high: 1, medium: 2, low: 3 };
export const RISK_COLOURS = { major: '#cc0000', high: '#c25400', medium: '#e6b800', low: '#1e63d6' };

/** The links between the desk's hazard, map and admin screens (the current one marked). */
export function DeskNav() {
  const { user } = useSession();
  const { path } = useRoute();
  const links = [
    ['/desk/hazards', '隐患台账'],
    ['/desk/map', '隐患地图'],
  ];
  if (user.role === 'reviewer') links.unshift(['/desk/events/new', '开启灾害过程']);
  if (user.role === 'admin') links.push(['/desk/admin', '用户管理'], ['/desk/admin/units', '区划与网格']);
  return (
    <nav class="desk-tabs" aria-label="工作台功能">
      <a href="/">工作台</a>
      {links.map(([href, label]) => (
        <a key={href} href={href} aria-current={path === href ? 'page' : undefined}>
          {label}
        </a>
      ))}
    </nav>
  );
}

/** A native select as a field: options [{value, label}]. */
export function SelectField({ label, name, value, onChange, options, errors, required, hint }) {
  return (
    <label class="field">
      <span class="field-label">
        {label}
        {required ? <span class="required">（必选）</span> : null}
      </span>
      <select class="input input-select" name={name} value={value} onChange={(event) => onChange(event.currentTarget.value)}>
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
      {hint ? <span class="field-hint">{hint}</span> : null}
      <FieldError errors={errors} path={name} />
    </label>
  );
}

export function RiskTag({ level, name }) {
  const found = RISK_LEVELS.find(([key]) => key === level);
  return <span class={`risk-tag risk-tag-${level}`}>{name || (found ? found[1] : level)}</span>;
}

/** "2026-07-01 08:00" (the date always: a ledger is read across days). */
export function dateTime(value) {
  if (!value) return '';
  const d = new Date(value);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function day(value) {
  return value ? dateTime(value).slice(0, 10) : '';
}

/** The words of a failed read: no network, or the server's message. */
export function readError(error, what) {
  if (!error) return null;
  return error.status === 0 ? `没有网络，还没读到${what}。` : error.message;
}
