// The reporter's warnings on the home screen: each warning still to answer is a full-width banner in its level's
// colour (and name), with its text, the time left to answer counting down and 收到 (one tap). Answered ones shrink
// to a line. Read through cache.js, so the last warnings read stay on the phone without a signal.
import { useEffect, useRef } from 'preact/hooks';
import { useCached } from '../cache.js';
import { navigate } from '../router.js';
import { useOutbox } from '../useOutbox.js';
import { homeBanners, levelName, ownAck, wasRevised } from '../warnings.js';
import { AckDone, AckForm, Countdown, LevelTag, shortTime, usePolling } from './WarningParts.jsx';

export const ACTIVE_WARNINGS = '/warnings?active=true&per_page=50';

/** `read`: the useCached(ACTIVE_WARNINGS) result when the screen reads it itself (Home waits for it: no shift). */
export function WarningBanners({ read = null }) {
  const own = useCached(read ? null : ACTIVE_WARNINGS);
  const warnings = read || own;
  const outbox = useOutbox();
  const list = warnings.data ? warnings.data.items || [] : [];
  useRefreshAfterDelivery(outbox.items, warnings.reload);
  // A warning issued while the app stays open on the home screen appears within a minute.
  usePolling(warnings.reload, 60000);
  const rows = homeBanners({ warnings: list, outboxItems: outbox.items });
  if (!rows.length) return null;
  return (
    <section class="warnings" aria-label="预警">
      {rows.map(({ warning, state }) =>
        state === 'ack_needed' || state === 'ack_failed' ? (
          <WarningBanner key={warning.id} warning={warning} state={state} />
        ) : (
          <WarningLine key={warning.id} warning={warning} state={state} />
        ),
      )}
    </section>
  );
}

/** The full banner of a warning the village has not answered yet. */
export function WarningBanner({ warning, state }) {
  return (
    <article class={`warning-banner level-${warning.level}`} data-warning={warning.id} data-state={state} role="alert">
      <header class="warning-banner-head">
        <span class="warning-banner-level">{levelLabel(warning)}</span>
        <span class="warning-banner-from">
          {warning.issuer_unit ? warning.issuer_unit.name : ''} {shortTime(warning.revised_at || warning.issued_at)}
          {wasRevised(warning) ? ' 更新，请再次叫应' : ' 发布'}
        </span>
      </header>
      <div class="warning-banner-body">
        <h2 class="warning-title">{warning.title}</h2>
        <p class="warning-text warning-text-clamped">{warning.body}</p>
        <button type="button" class="link-button" onClick={() => navigate(`/warnings/${warning.id}`)}>
          看全文
        </button>
        <Countdown warning={warning} />
        {state === 'ack_failed' ? <AckDone state={state} /> : <AckForm warning={warning} compact />}
      </div>
    </article>
  );
}

/** An answered (or information-only) warning: one line, its level in words, tap for the text. */
function WarningLine({ warning, state }) {
  return (
    <button
      type="button"
      class={`warning-line level-${warning.level}`}
      data-warning={warning.id}
      data-state={state}
      onClick={() => navigate(`/warnings/${warning.id}`)}
    >
      <LevelTag level={warning.level} />
      <span class="warning-line-title">{warning.title}</span>
      {state === 'acknowledged' ? <span class="chip chip-ok">已叫应{ownAck(warning) && ownAck(warning).late ? '（迟）' : ''}</span> : null}
      {state === 'ack_queued' ? <span class="chip chip-warn">已叫应 未发出</span> : null}
    </button>
  );
}

function levelLabel(warning) {
  return `${levelName(warning.level)}${warning.disaster_type ? ` · ${warning.disaster_type}` : ''}`;
}

/**
 * When an acknowledgement leaves the outbox (the server took it), read the warnings again: the server's answer
 * (who, when, late or not) replaces the phone's "待发送".
 */
export function useRefreshAfterDelivery(items, reload) {
  const acks = items.filter((item) => item.kind === 'ack').map((item) => item.clientId);
  const previous = useRef(acks);
  const key = acks.join(',');
  useEffect(() => {
    const gone = previous.current.some((clientId) => !acks.includes(clientId));
    previous.current = acks;
    if (gone && reload) reload();
  }, [key]);
}
