// The named ledgers (台账) where other screens need them: the village's rows with the outbox laid over them
// (useLedger), the line beside a report's figures that disagree with them (LedgerCheck, in 报灾情), and the way
// forward when the server refused a 核报 for that reason (LedgerRefused: 去补录台账, in 报灾情 and 待发送).
import { useCached } from '../cache.js';
import { useOutbox } from '../useOutbox.js';
import { useWhenSent } from '../useSent.js';
import {
  casualtiesPath,
  housesPath,
  LEDGER_KINDS,
  ledgerCounts,
  ledgerMismatches,
  ledgerPath,
  ledgerRows,
  RECONCILED,
  refusedForLedger,
} from '../rules/ledger.js';
import './ledger.css';

const KINDS = Object.values(LEDGER_KINDS);

/**
 * The village's ledgers of one event: {casualties, houses, counts, known, reads, outbox}. `known`: both lists
 * were read at least once (online now or earlier, kept on the phone); without them the counts are the outbox's only.
 */
export function useLedger(eventId) {
  const people = useCached(eventId ? casualtiesPath(eventId) : null);
  const houses = useCached(eventId ? housesPath(eventId) : null);
  const outbox = useOutbox();
  useWhenSent(outbox, KINDS, () => {
    people.reload();
    houses.reload();
  });
  const rows = ledgerRows({
    eventId: Number(eventId),
    casualties: people.data ? people.data.items : [],
    houses: houses.data ? houses.data.items : [],
    items: outbox.items,
  });
  const known = Boolean(people.data && houses.data);
  return { ...rows, counts: ledgerCounts(rows), known, reads: [people, houses], outbox };
}

/**
 * Beside a group of figures (人员: deaths, missing; 房屋: houses per class): each figure that disagrees with the
 * village's ledger, with both numbers and a link to the ledger. Nothing while the ledgers were never read.
 */
export function LedgerCheck({ vocab, eventId, figures, keys }) {
  if (!eventId || !keys.some((key) => RECONCILED.includes(key))) return null;
  return <LedgerCheckLines vocab={vocab} eventId={eventId} figures={figures} keys={keys} />;
}

function LedgerCheckLines({ vocab, eventId, figures, keys }) {
  const ledger = useLedger(eventId);
  if (!ledger.known) return null;
  const found = ledgerMismatches(vocab, figures, ledger.counts).filter((m) => keys.includes(m.key));
  if (!found.length) return null;
  return (
    <div class="ledger-check" role="status" data-keys={found.map((m) => m.key).join(' ')}>
      <p class="ledger-check-title">与台账不一致（核报时必须一致）：</p>
      <ul class="ledger-check-list">
        {found.map((m) => (
          <li key={m.key}>{m.text}</li>
        ))}
      </ul>
      <a class="ledger-link" href={ledgerPath(eventId)}>
        去补录台账
      </a>
    </div>
  );
}

/** The server refused the report because the ledgers do not back its figures: say so and open the ledgers. */
export function LedgerRefused({ eventId, fields }) {
  if (!eventId || !refusedForLedger(fields)) return null;
  return (
    <div class="ledger-refused" role="alert">
      <p class="ledger-refused-text">
        核报的死亡失踪人数和倒塌损坏房屋必须逐人逐户登记在台账里。请先补录台账，台账齐了再重发这份报告；不要为了通过而改小数字。
      </p>
      <a class="ledger-link" href={ledgerPath(eventId)}>
        去补录台账
      </a>
    </div>
  );
}

/** The event of an outbox item's URL ("/events/3/damage-reports" → "3"), or null. */
export function eventOfUrl(url) {
  const found = /^\/events\/(\d+)\//.exec(url || '');
  return found ? found[1] : null;
}
