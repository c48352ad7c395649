// Small pieces the report screens share (报灾情, 报转移, 我的报告, and the desk's 待审核 list).
import { useState } from 'preact/hooks';
import { BigButton, TextField } from '../components/index.js';
import { clock } from '../format.js';
import { isZero } from '../rules/damage.js';
import './reports.css';

/** The event a form is for: name, 演练, 已稳定. */
export function EventLine({ event }) {
  if (!event) return null;
  return (
    <p class="event-line">
      <strong>{event.name}</strong>
      {event.drill ? <span class="chip">演练</span> : null}
      {event.status === 'stable' ? <span class="chip chip-info">已稳定</span> : null}
    </p>
  );
}

/** The errors without one field's messages (the person edited that field: the server's old word is stale). */
export function without(errors, path) {
  if (!(path in errors)) return errors;
  const rest = { ...errors };
  delete rest[path];
  return rest;
}

/** Bring the first message into view, after the render that shows it. */
export function scrollToError() {
  setTimeout(() => document.querySelector('.field-error')?.scrollIntoView({ block: 'center' }), 0);
}

/** One report in a list: a card that links to it, with its status and the line that says what it holds. */
export function ReportRow({ kind, href, title, status, tone, at, line }) {
  return (
    <li>
      <a class="card report-row" data-kind={kind} href={href}>
        <span class="report-row-head">
          <strong class="report-row-title">{title}</strong>
          <span class={`chip chip-${tone}`}>{status}</span>
        </span>
        <span class="report-row-line">{line}</span>
        {at ? <span class="muted report-row-at">{clock(at)}</span> : null}
      </a>
    </li>
  );
}

// The figures a list line shows, named and counted as the server's vocabulary says (indicators.js).
const LINE_FIGURES = ['affected_population', 'direct_loss_10k_yuan'];

/**
 * What a damage report holds, in one line (受灾人口 30 人，直接经济损失 1.50 万元), each figure kept whole on a narrow
 * screen; `vocab` from useIndicators().
 */
export function damageLine(report, vocab) {
  const via = report.channel === 'sms' ? '短信报送：' : ''; // 短信报灾: the desks see how it came
  if (report.is_zero || isZero(report.figures)) return `${via}零报告（无灾情）`;
  if (!vocab) return via;
  const f = report.figures;
  const figures = LINE_FIGURES.filter((key) => key in vocab.byKey && key in f).map((key, index) => (
    <span key={key}>
      {index ? '，' : ''}
      <span class="line-figure">{`${vocab.byKey[key].label} ${f[key]} ${vocab.byKey[key].unit}`}</span>
    </span>
  ));
  return via ? [via, ...figures] : figures;
}

/**
 * The two answers of a review (审核 a village's report, 接收 a township's sign-off): accept at once, or 退回 with the
 * reason the filer reads. `accept` is `[label, decision]`; `decide(decision, comment)` sends (with useSend's
 * `errors`/`setErrors`/`sending`); `reader` says who reads the reason ("村里会在手机上看到").
 */
export function ReviewDecision({ accept: [acceptLabel, acceptDecision], reader, hint, decide, errors, setErrors, sending }) {
  const [returning, setReturning] = useState(false);
  const [comment, setComment] = useState('');
  const answer = (decision) => {
    if (decision === 'return' && !comment.trim()) return setErrors({ comment: [`请填写退回原因，${reader}`] });
    return decide(decision, comment.trim());
  };
  if (!returning) {
    return (
      <div class="button-row">
        <BigButton label={acceptLabel} onClick={() => answer(acceptDecision)} disabled={sending} />
        <BigButton label="退回" tone="danger" onClick={() => setReturning(true)} />
      </div>
    );
  }
  return (
    <>
      <TextField
        label="退回原因"
        name="comment"
        value={comment}
        onChange={(text) => {
          setComment(text);
          setErrors({}); // the reason is being written: the "请填写" line has done its job
        }}
        errors={errors}
        required
        multiline
        hint={hint}
      />
      <div class="button-row">
        <BigButton label="确认退回" tone="danger" onClick={() => answer('return')} disabled={sending} />
        <BigButton label="不退回" tone="secondary" onClick={() => setReturning(false)} />
      </div>
    </>
  );
}
