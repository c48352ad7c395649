import { clock } from '../format.js';

/** "更新于 今天 08:05" under a list; says 离线 when the copy came from the phone. */
export function UpdatedAt({ at, fromCache }) {
  if (!at) return null;
  return (
    <p class={`updated-at ${fromCache ? 'updated-at-stale' : ''}`}>
      {fromCache ? '离线，显示的是 ' : '更新于 '}
      {clock(at)}
      {fromCache ? ' 的内容' : ''}
    </p>
  );
}
