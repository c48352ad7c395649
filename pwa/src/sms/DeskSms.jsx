// 短信报灾 (desk, /desk/sms): the county's inbound number the phones text to, and the gateway's health: the last
// message received, the last 24 hours by outcome, and the recent deliveries of the caller's villages. Lazy-loaded.
import { Banner, Reading, Screen, UpdatedAt } from '../components/index.js';
import { useCached } from '../cache.js';
import { shortTime } from '../screens/WarningParts.jsx';
import './sms.css';

const OUTCOMES = { accepted: '已收下', resent: '重复（已收过）', refused: '未收下', waiting: '等待其余分条' };
const KINDS = { damage: '灾情', evacuation: '转移', ack: '叫应' };
const REPLIES = { queued: '回复待发', sent: '已回复', failed: '回复失败', '': '' };

export function DeskSms() {
  const found = useCached('/sms/gateway');
  const data = found.data;
  return (
    <Screen title="短信报灾" back="/">
      <Reading of={[found]} what="短信网关" />
      {found.error && !data ? <Banner tone="warn">{found.error.status === 0 ? '没有网络，还没读到短信网关的情况。' : found.error.message}</Banner> : null}
      {data ? <Gateway data={data} /> : null}
      <UpdatedAt at={found.updatedAt} fromCache={found.fromCache} />
    </Screen>
  );
}

function Gateway({ data }) {
  const counts = data.last_24h;
  return (
    <>
      <section class="card" aria-label="接收号码">
        <h2 class="section-title">接收号码</h2>
        {data.inbound_number ? <p class="sms-number">{data.inbound_number}</p> : <p class="muted">尚未设置（SMS_INBOUND_NUMBER）。</p>}
        <p class="muted">没有数据网络时，信息员的手机用短信把报告发到这个号码。</p>
      </section>
      <section class="card" aria-label="网关状态">
        <h2 class="section-title">网关状态</h2>
        {!data.gateway_configured ? <Banner tone="warn">短信网关未配置（SMS_GATEWAY_SECRET），收到的短信都不会被处理。</Banner> : null}
        <p class="sms-last">最近收到：{data.last_received_at ? shortTime(data.last_received_at) : '还没有收到过短信'}</p>
        <ul class="sms-counts" aria-label="24小时内">
          <li>已收下 {counts.accepted}</li>
          <li>重复 {counts.resent}</li>
          <li>未收下 {counts.refused}</li>
          <li>等待分条 {counts.waiting}</li>
        </ul>
      </section>
      <section class="desk-section" aria-label="最近的短信">
        <h2 class="section-title">最近的短信</h2>
        {!data.recent.length ? <p class="muted">本辖区还没有通过短信报送的内容。</p> : null}
        <ul class="sms-recent">
          {data.recent.map((row) => (
            <li key={row.id} data-outcome={row.outcome}>
              <strong>{row.unit_name}</strong> {row.user_name} · {KINDS[row.kind] || ''} {OUTCOMES[row.outcome] || row.outcome}
              {row.entity_id ? `（编号 ${row.entity_id}）` : ''}
              <br />
              <span class="muted">
                {shortTime(row.received_at)} {row.reply ? `「${row.reply}」` : ''} {REPLIES[row.reply_status] || ''}
              </span>
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}
