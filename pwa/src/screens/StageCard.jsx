import { ChoiceGrid } from '../components/index.js';
import { clock } from '../format.js';
import { stageName } from '../rules/stage.js';

// What each stage means, in the words a village officer uses.
export const STAGE_HELP = {
  initial: '本次灾害第一次报，报目前掌握的情况。',
  update: '报从灾害开始到现在的累计总数（不是今天新增的数）。',
  final: '灾情稳定后，报最后核实的总数。报了核报以后，本次灾害就不能再报了。',
};

/**
 * Which report this is (初报/续报/核报), why, and the report it replaces; a choice only when there is one.
 * `startsFromPrevious`: the figures below are that report's (false when correcting or fixing what was typed).
 */
export function StageCard({ stage, allowed, onChange, previous, startsFromPrevious = true }) {
  return (
    <section class="card stage-card" data-stage={stage || ''}>
      {allowed.length > 1 ? (
        <ChoiceGrid
          label="这次报的是"
          name="stage"
          options={allowed.map((value) => ({ value, label: stageName(value) }))}
          value={stage}
          onChange={onChange}
          columns={allowed.length}
        />
      ) : (
        <p class="stage-name">
          这次报的是：<strong>{stageName(stage)}</strong>
        </p>
      )}
      {stage ? <p class="stage-help">{STAGE_HELP[stage]}</p> : null}
      {previous && stage !== 'initial' ? (
        <p class="muted stage-previous">
          {previous.queued
            ? `上一份${stageName(previous.stage)}还在手机上等待发送。`
            : `上一份是 ${clock(previous.submitted_at)} 的${stageName(previous.stage)}。`}
          {startsFromPrevious ? '下面的数字从它开始，改成现在的总数即可。' : ''}
        </p>
      ) : null}
    </section>
  );
}
