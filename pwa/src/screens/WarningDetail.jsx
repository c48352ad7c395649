// One warning in full (/warnings/:id): its text, times and the village's answer. A reporter answers here too;
// `?fix=<clientId>` comes from 待发送 when the server refused a queued answer (kinds.js fixPath).
import { ask } from '../components/Dialog.jsx';
import { useEffect, useState } from 'preact/hooks';
import { Banner, BigButton, Reading, Screen, UpdatedAt } from '../components/index.js';
import { useCached } from '../cache.js';
import { deleteItem, getItem, updateItem } from '../outbox.js';
import { navigate, useRoute } from '../router.js';
import { useSession } from '../session.js';
import { useOutbox } from '../useOutbox.js';
import { bannerState, isActive, ownAck, wasRevised } from '../warnings.js';
import { AckDone, AckForm, Countdown, LevelTag, shortTime } from './WarningParts.jsx';
import { useRefreshAfterDelivery } from './WarningBanner.jsx';

export function WarningDetail({ params }) {
  const { user } = useSession();
  const { query } = useRoute();
  const fixId = query.get('fix');
  const found = useCached(`/warnings/${params.id}`);
  const outbox = useOutbox();
  useRefreshAfterDelivery(outbox.items, found.reload);
  const warning = found.data;
  const desk = user && user.role !== 'reporter';

  return (
    <Screen title="预警" back="/">
      {fixId ? <FixAck clientId={fixId} /> : null}
      <Reading of={[found]} what="预警" />
      {found.error && !warning ? (
        <Banner tone={found.error.status === 404 ? 'error' : 'warn'}>
          {found.error.status === 404 ? '没有这条预警，或它不是发给本村的。' : '还没有读到这条预警（需要联网一次）。'}
        </Banner>
      ) : null}
      {warning ? <WarningFull warning={warning} outboxItems={outbox.items} desk={desk} /> : null}
      <UpdatedAt at={found.updatedAt} fromCache={found.fromCache} />
      {desk && warning ? <BigButton label="叫应情况" href={`/warnings/${warning.id}/board`} /> : null}
    </Screen>
  );
}

function WarningFull({ warning, outboxItems, desk }) {
  const active = isActive(warning);
  const state = bannerState(warning, outboxItems);
  return (
    <article class={`card warning-card level-${warning.level}`} data-warning={warning.id}>
      <p>
        <LevelTag level={warning.level} />
        {warning.disaster_type ? <span class="chip">{warning.disaster_type}</span> : null}
        {warning.status === 'cancelled' ? <span class="chip chip-error">已撤销{warning.cancel_reason ? `：${warning.cancel_reason}` : ''}</span> : null}
        {warning.status !== 'cancelled' && !active ? <span class="chip">已过期</span> : null}
      </p>
      <h2 class="warning-title">{warning.title}</h2>
      <p class="warning-text">{warning.body}</p>
      <dl class="warning-facts">
        {warning.issuer_unit ? (
          <>
            <dt>发布单位</dt>
            <dd>{warning.issuer_unit.name}</dd>
          </>
        ) : null}
        <dt>发布时间</dt>
        <dd>{shortTime(warning.issued_at)}</dd>
        {wasRevised(warning) ? (
          <>
            <dt>更新时间</dt>
            <dd>{shortTime(warning.revised_at)}</dd>
          </>
        ) : null}
        <dt>叫应时限</dt>
        <dd>{warning.ack_within_minutes ? `${warning.ack_within_minutes} 分钟内` : '不需叫应'}</dd>
        {warning.expires_at ? (
          <>
            <dt>有效期至</dt>
            <dd>{shortTime(warning.expires_at)}</dd>
          </>
        ) : null}
      </dl>
      {active && !desk && (state === 'ack_needed' || state === 'ack_failed') ? <Countdown warning={warning} /> : null}
      {!desk ? <AckDone state={state} ack={ownAck(warning)} /> : null}
      {active && !desk && state === 'ack_needed' ? <AckForm warning={warning} /> : null}
    </article>
  );
}

/** A queued answer the server refused (the warning was cancelled, or …): its message, send again or delete. */
function FixAck({ clientId }) {
  const [item, setItem] = useState(undefined);
  useEffect(() => {
    getItem(clientId).then((found) => setItem(found || null));
  }, [clientId]);
  if (item === undefined) return null;
  if (!item) return <Banner tone="ok">这条叫应已不在待发送中。</Banner>;
  const resend = async () => {
    await updateItem(clientId, { body: item.body });
    navigate('/outbox', { replace: true });
  };
  const remove = async () => {
    const sure = await ask({ title: '删除这条叫应？', message: '删除后服务器不会收到。', confirmLabel: '删除', tone: 'danger' });
    if (!sure) return;
    await deleteItem(clientId);
    navigate('/outbox', { replace: true });
  };
  return (
    <Banner tone="error">
      服务器没有收下这条叫应：{item.lastError ? item.lastError.message : '原因不明'}
      <div class="button-row">
        <BigButton label="再发一次" onClick={resend} />
        <BigButton label="删除" tone="danger" onClick={remove} />
      </div>
    </Banner>
  );
}
