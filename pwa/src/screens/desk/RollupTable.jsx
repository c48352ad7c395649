// The roll-up of an event over the children of a unit (GET /events/{id}/rollup): one row per village (a township's
// desk) or per township (the county's board), then 合计. Per row the key figures, how its villages report
// (已报 / 零报告 / 未报 / 迟报 / 待审核), the last report time; a village that has not reported comes with its officers'
// phones (tel: links, from GET /events/{id}/deadlines); a township with its 乡镇上报: status, and the signed figures
// beside the live ones where they differ. A wide screen reads it as a table; a phone as one card per row (CSS).
import { CallOfficers } from '../WarningParts.jsx';
import {
  changedKeys,
  figureText,
  shortTime,
  signoffName,
  signoffStatusName,
  signoffTone,
  useKeyFigures,
} from './parts.jsx';

export function RollupTable({ rollup, eventId, officers = {}, caption }) {
  const keyFigures = useKeyFigures();
  const children = rollup.children || [];
  const villages = children.length > 0 && children[0].org_unit.level === 'village';
  const signing = children.find((child) => signoffName(child.org_unit.level));
  const signName = signing ? signoffName(signing.org_unit.level) : null;
  return (
    <div class="table-box">
      <table class="desk-table" data-testid="rollup-table">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{villages ? '村（社区）' : '单位'}</th>
            {keyFigures.map(([key, label, unit]) => (
              <th scope="col" key={key} class="num">
                {label}
                <span class="th-unit">（{unit}）</span>
              </th>
            ))}
            <th scope="col">报送</th>
            <th scope="col">最后报送</th>
            {signName ? <th scope="col">{signName}</th> : null}
            {villages ? <th scope="col">信息员电话</th> : null}
          </tr>
        </thead>
        <tbody>
          {children.map((child) => (
            <ChildRow
              key={child.org_unit.id}
              child={child}
              eventId={eventId}
              village={villages}
              signName={signName}
              officers={officers[child.org_unit.id]}
              keyFigures={keyFigures}
            />
          ))}
          <tr class="total-row" data-unit="合计">
            <th scope="row" data-label="单位">
              合计 <span class="muted">{rollup.org_unit.name}</span>
            </th>
            {keyFigures.map(([key, label, unit]) => (
              <td key={key} class="num" data-label={`${label}（${unit}）`} data-key={key}>
                {figureText(rollup.figures, key)}
              </td>
            ))}
            <td data-label="报送">
              <Reporting reporting={rollup.reporting} village={false} />
            </td>
            <td data-label="最后报送">{rollup.last_report_at ? shortTime(rollup.last_report_at) : '—'}</td>
            {signName ? <td data-label={signName} /> : null}
            {villages ? <td data-label="信息员电话" /> : null}
          </tr>
        </tbody>
      </table>
    </div>
  );
}

function ChildRow({ child, eventId, village, signName, officers, keyFigures }) {
  const { org_unit: unit, figures, reporting = {}, signoff } = child;
  const changed = signoff ? new Set(changedKeys(signoff.figures, figures)) : new Set();
  const missing = village && !reporting.reported;
  return (
    <tr data-unit={unit.name} class={missing ? 'row-missing' : ''}>
      <th scope="row" data-label="单位">
        {village ? (
          unit.name
        ) : (
          <a class="unit-link" href={`/desk/events/${eventId}/units/${unit.id}`}>
            {unit.name}
          </a>
        )}
      </th>
      {keyFigures.map(([key, label, unitName]) => (
        <td key={key} class={`num ${cellClass(figures, key, changed)}`} data-label={`${label}（${unitName}）`} data-key={key}>
          {figureText(figures, key)}
          {changed.has(key) ? <span class="signed-value">上报 {figureText(signoff.figures, key)}</span> : null}
        </td>
      ))}
      <td data-label="报送">
        <Reporting reporting={reporting} village={village} status={child.deadline_status} />
      </td>
      <td data-label="最后报送">{child.last_report_at ? shortTime(child.last_report_at) : '—'}</td>
      {signName ? (
        <td data-label={signName} class="signoff-cell">
          <span class={`chip ${signoffTone(signoff)}`} data-signoff={signoff ? signoff.status : 'none'}>
            {signoffStatusName(signoff, unit.level)}
          </span>
          {child.differs ? <span class="chip chip-warn diff-flag">与上报不一致</span> : null}
          {signoff ? <span class="muted signed-at">{shortTime(signoff.created_at)} 上报</span> : null}
        </td>
      ) : null}
      {village ? (
        <td data-label="信息员电话" class="phones">
          {/* the server names the officers of a village whose report is overdue: whom to call (催报) */}
          {missing && (child.deadline_status === 'missing' || (officers && officers.length)) ? (
            <CallOfficers officers={officers || []} silent={child.deadline_status === 'missing'} />
          ) : null}
        </td>
      ) : null}
    </tr>
  );
}

/** A changed figure is marked; a 0 that did not change is marked too (a phone leaves it out of the row's card). */
function cellClass(figures, key, changed) {
  if (changed.has(key)) return 'cell-changed';
  return Number(figureText(figures, key)) === 0 ? 'zero' : '';
}

/** How a row's villages report: a village's own status, or a township's counts. */
function Reporting({ reporting, village, status }) {
  if (village) {
    const chips = [];
    if (!reporting.reported) chips.push(['未报', 'chip-error']);
    else if (reporting.zero) chips.push(['零报告', 'chip-ok']);
    else chips.push(['已报', 'chip-ok']);
    if (status === 'late') chips.push(['迟报', 'chip-warn']);
    if (reporting.unreviewed) chips.push(['待审核', 'chip-info']);
    return (
      <span class="chips">
        {chips.map(([name, tone]) => (
          <span class={`chip ${tone}`} key={name}>
            {name}
          </span>
        ))}
      </span>
    );
  }
  return (
    <span class="chips">
      <span class="chip chip-info">
        已报 {reporting.reported ?? 0}/{reporting.expected ?? 0}
      </span>
      {reporting.zero ? <span class="chip">零报告 {reporting.zero}</span> : null}
      {reporting.missing ? <span class="chip chip-error">未报 {reporting.missing}</span> : null}
      {reporting.late ? <span class="chip chip-warn">迟报 {reporting.late}</span> : null}
      {reporting.unreviewed ? <span class="chip chip-info">待审核 {reporting.unreviewed}</span> : null}
    </span>
  );
}
