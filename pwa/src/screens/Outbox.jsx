import { useEffect, useState } from 'preact/hooks';
import { ask, Banner, BigButton, OthersWaiting, Screen } from '../components/index.js';
import { age, clock } from '../format.js';
import { deleteItem, sendNow, STALE_AFTER_MS, storageStatus } from '../outbox.js';
import { navigate } from '../router.js';
import { useOutbox } from '../useOutbox.js';
import { fixPath, KIND_NAMES } from '../kinds.js';
import { eventOfUrl, LedgerRefused } from './LedgerParts.jsx';
import { SmsSend } from '../sms/SmsSend.jsx';

export function Outbox() {
  const { items, others, state, loaded } = useOutbox(); // the user's own items; others only as counts
  const [storage, setStorage] = useState(null);
  const [sendingByHand, setSendingByHand] = useState(false);
  useEffect(() => {
    storageStatus().then(setStorage, () => {});
  }, [items.length]);

  const send = async () => {
    setSendingByHand(true);
    try {
      await sendNow();
    } finally {
      setSendingByHand(false);
    }
  };
  const stale = items.some((item) => Date.now() - item.createdAt > STALE_AFTER_MS);

  return (
    <Screen title="待发送" back="/">
      {/* Not 全部已发送 before the phone's outbox was read: that would be said of items not looked at yet. */}
      <p class="outbox-count" data-count={loaded ? items.length : ''}>
        {!loaded ? '正在读取…' : items.length ? `${items.length} 条待发送` : '全部已发送'}
        {loaded && items.length ? `，最早的保存于${age(items[0].createdAt)}` : ''}
      </p>
      <BigButton label={state.sending || sendingByHand ? '正在发送…' : '立即发送'} onClick={send} disabled={!items.length || state.sending} />
      <SendState state={state} count={items.length} />
      {stale ? <Banner tone="warn">有的内容已等了一天以上。请到有信号的地方打开本应用，或联系乡镇。</Banner> : null}
      {storage && storage.low ? <Banner tone="warn">手机存储空间快满了，请删除一些不用的照片或文件，以免新报告存不下。</Banner> : null}
      {loaded && !items.length ? <p class="muted">手机上没有您待发送的内容。</p> : null}
      <OthersWaiting others={others} />
      <ul class="outbox-list">
        {items.map((item) => (
          <OutboxItem key={item.clientId} item={item} />
        ))}
      </ul>
    </Screen>
  );
}

function SendState({ state, count }) {
  if (!count) return null;
  if (state.loginNeeded) return <Banner tone="warn" action={{ label: '去登录', onClick: () => navigate('/login') }}>需要重新登录才能发送。</Banner>;
  if (state.unreachable && state.retryAt) return <Banner tone="info">连不上服务器，{clock(state.retryAt)} 左右自动再试；也可以点「立即发送」。</Banner>;
  return null;
}

function OutboxItem({ item }) {
  const photos = item.photos.length;
  const sentPhotos = item.photos.filter((photo) => photo.sent).length;
  const attention = item.status === 'needs_attention';
  const [problem, setProblem] = useState(null);
  const remove = async () => {
    const yes = await ask({
      title: `删除「${item.label || KIND_NAMES[item.kind]}」？`,
      message: '删除后无法恢复，服务器也不会收到。',
      confirmLabel: '删除',
      tone: 'danger',
    });
    if (!yes) return;
    try {
      await deleteItem(item.clientId);
    } catch (error) {
      setProblem(error.message);
    }
  };
  return (
    <li class={`card outbox-item outbox-${item.status}`} data-status={item.status}>
      <div class="outbox-head">
        <span class="chip">{KIND_NAMES[item.kind] || item.kind}</span>
        <strong class="outbox-label">{item.label}</strong>
      </div>
      <p class="muted">
        保存于{age(item.createdAt)}
        {photos ? `，${photos} 张照片` : ''}
        {sentPhotos ? `（已发 ${sentPhotos} 张）` : ''}
        {' · '}
        <span class="outbox-status">{STATUS_NAMES[item.status]}</span>
      </p>
      {item.lastError && !attention && item.attempts ? <p class="muted">上次没发出去：{item.lastError.message}（已试 {item.attempts} 次）</p> : null}
      <SmsSend item={item} />
      {attention ? (
        <div class="attention">
          <p class="attention-message">
            {item.lastError.code === 'client_error' ? '没有发出：' : '服务器没有收下：'}
            {item.lastError.message}
          </p>
          <ErrorFields fields={item.lastError.fields} />
          {item.lastError.code === 'client_error' ? <p class="muted">错误代码：client_error {item.lastError.detail || ''}</p> : null}
          {item.kind === 'damage' ? <LedgerRefused eventId={eventOfUrl(item.url)} fields={item.lastError.fields} /> : null}
          {problem ? <p class="field-error">{problem}</p> : null}
          <div class="button-row">
            {fixPath(item) ? <BigButton label="修改后重发" onClick={() => navigate(fixPath(item))} /> : null}
            <BigButton label="删除" tone="danger" onClick={remove} />
          </div>
        </div>
      ) : null}
    </li>
  );
}

const STATUS_NAMES = { pending: '等待发送', sending: '正在发送', needs_attention: '需要处理' };

function ErrorFields({ fields }) {
  const entries = Object.entries(fields || {});
  if (!entries.length) return null;
  return (
    <ul class="error-fields">
      {entries.map(([path, messages]) => (
        <li key={path}>{[].concat(messages).join('；')}</li>
      ))}
    </ul>
  );
}
