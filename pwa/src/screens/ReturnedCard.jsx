// A damage report the township returned and the village has not yet filed again: on top of Home and of 我的报告
// (issue 18, item 6), with the reviewer's reason and the way to correct it.
import { BigButton } from '../components/index.js';
import { clock } from '../format.js';
import { openReturns, stageName } from '../rules/stage.js';

/** The returned reports still waiting for the village: `reports` from DAMAGE_LIST, `items` the user's outbox. */
export function waitingReturns(reports, items) {
  const queuedEvents = new Set(
    items
      .filter((item) => item.kind === 'damage')
      .map((item) => Number((/^\/events\/(\d+)\//.exec(item.url) || [])[1])),
  );
  return openReturns(reports, queuedEvents);
}

export function ReturnedCard({ report, eventName }) {
  return (
    <section class="card returned-card" data-report={report.id}>
      <h2 class="card-title">
        {eventName} {stageName(report.stage)} <span class="chip chip-error">已退回</span>
      </h2>
      <p class="return-reason">退回原因：{report.review_comment || '（未写原因）'}</p>
      <p class="muted">
        {report.reviewed_by ? `${report.reviewed_by.name} ` : ''}
        {report.reviewed_at ? `${clock(report.reviewed_at)} 退回` : ''}
      </p>
      <BigButton label="修改后重新报送" href={`/events/${report.event_id}/damage/new?correct=${report.id}`} />
    </section>
  );
}
