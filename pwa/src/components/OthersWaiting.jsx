// Another person's reports waiting on this phone (issue 18): only whose and how many, never what they say. On the
// login screen (nobody logged in) each owner's line also says they go at that person's next login, and offers to
// delete them after a confirmation (a phone handed on for good).
import { useState } from 'preact/hooks';
import { deleteOwnerItems, othersLine } from '../outbox.js';
import { ask } from './Dialog.jsx';

export function OthersWaiting({ others, canDelete = false }) {
  const [problem, setProblem] = useState(null);
  if (!others.length) return null;
  const remove = async (owner) => {
    const who = owner.ownerName || '升级前保存的';
    const yes = await ask({
      title: `删除 ${owner.ownerName ? `${owner.ownerName} 的 ` : ''}${owner.count} 条报告？`,
      message: `这些报告还没有送到服务器。删除后无法恢复，乡镇和县里也不会收到。${owner.ownerName ? `${who} 登录后可以自己发送，不必删除。` : ''}`,
      confirmLabel: '删除',
      tone: 'danger',
    });
    if (!yes) return;
    try {
      await deleteOwnerItems(owner.ownerId);
      setProblem(null);
    } catch (error) {
      setProblem(error.message);
    }
  };
  return (
    <div class="others-waiting">
      {others.map((owner) => (
        <div class="banner banner-info others-line" role="status" key={owner.ownerId ?? 'unowned'} data-owner={owner.ownerId ?? ''}>
          <div class="banner-text">
            <strong>{othersLine(owner)}</strong>
            {canDelete ? (
              <>
                <br />
                {owner.ownerName
                  ? `${owner.ownerName} 再次登录本应用后会自动发送。`
                  : '下一位信息员登录后会自动发送。'}
              </>
            ) : (
              <>
                <br />
                {owner.ownerName ? `只在 ${owner.ownerName} 登录时发送，您看不到内容。` : '只有村里的信息员能发送。'}
              </>
            )}
          </div>
          {canDelete ? (
            <div class="banner-buttons">
              <button type="button" class="banner-action" onClick={() => remove(owner)}>
                删除这些报告
              </button>
            </div>
          ) : null}
        </div>
      ))}
      {problem ? <p class="field-error">{problem}</p> : null}
    </div>
  );
}
