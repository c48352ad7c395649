// What the phone says after 保存并上报 (issue 18, item 6): exactly one of three true things.
//   已送达 (time)                        the server's 2xx for this report arrived;
//   已存在手机，有网络时自动发送           it is saved in the outbox and goes by itself (no network, nobody
//                                        logged in, the server busy, or no answer within a few seconds);
//   未被接受                              the server refused it (409/422 …): its words go on the fields of the
//                                        fix screen (the outbox item's ?fix=<clientId>), where it is corrected.
// The same green "已保存到手机" used to follow all three. Every report form calls afterSave(clientId) after
// enqueue/updateItem; the wait is bounded (outbox.js OUTCOME_WAIT_MS), the report is safe on the phone meanwhile.
import { flash } from './flash.js';
import { clock } from './format.js';
import { fixPath } from './kinds.js';
import { awaitOutcome, getItem } from './outbox.js';
import { navigate } from './router.js';

export const QUEUED_TEXT = '已存在手机，有网络时自动发送。可在「待发送」查看。';

/** The words and tone for an outcome of outbox.awaitOutcome. */
export function outcomeMessage(outcome) {
  if (outcome.status === 'delivered') {
    const photos = outcome.photosLeft ? `照片还有 ${outcome.photosLeft} 张正在发送。` : '';
    return { tone: 'ok', text: `已送达（${clock(outcome.at)}）。${photos}` };
  }
  if (outcome.status === 'refused') {
    // The fix screen it leads to shows the server's message on top and its words at the fields.
    return { tone: 'error', text: '未被接受，没有报送成功。请按下面的红字改好再发。' };
  }
  return { tone: 'info', text: QUEUED_TEXT };
}

/**
 * After a form saved `clientId`: wait for its first try, then say what happened on the next screen. Delivered or
 * queued: home. Refused: the fix screen of that item, which shows the server's words at its fields. Resolves with
 * the outcome.
 */
export async function afterSave(clientId, { home = '/', wait = awaitOutcome, read = getItem } = {}) {
  const outcome = await wait(clientId);
  const message = outcomeMessage(outcome);
  const item = outcome.status === 'refused' ? await read(clientId) : null;
  const fix = item && fixPath(item);
  if (!fix) {
    flash(message.text, message.tone);
    navigate(home, { replace: true });
    return outcome;
  }
  // Through another screen, so the fix screen opens afresh with the item's error even when it is the screen the
  // person is on (a fix refused again) or the same form with ?fix= (forms read the item when they open).
  navigate('/outbox', { replace: true });
  await new Promise((resolve) => setTimeout(resolve, 0));
  flash(message.text, message.tone);
  navigate(fix, { replace: true });
  return outcome;
}
