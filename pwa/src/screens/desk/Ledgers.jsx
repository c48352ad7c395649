// 台账 (/desk/events/:id/ledgers): the named ledgers behind the counts, as tables, ID numbers masked
// (GET /events/{id}/casualties, /damaged-houses). A county reviewer may see one full number: 查看身份证号 asks why,
// and the request with its reason is written to the audit trail (POST /casualties/{id}/reveal {reason}). Each
// ledger downloads as XLSX (masked).
import { useState } from 'preact/hooks';
import { Banner, BigButton, Reading, Screen, TextField, UpdatedAt } from '../../components/index.js';
import { useCached } from '../../cache.js';
import { useSession } from '../../session.js';
import { useSend } from '../../useSend.js';
import { Download, mayReveal, shortTime } from './parts.jsx';

const SEX = { male: '男', female: '女' };

const LEDGERS = [
  {
    key: 'casualties',
    title: '因灾死亡失踪人口台账',
    reveal: (id) => `/casualties/${id}/reveal`,
    columns: [
      ['村', (row) => row.org_unit.name],
      ['姓名', (row) => row.name],
      ['性别', (row) => SEX[row.sex] || row.sex],
      ['年龄', (row) => (row.age == null ? '' : row.age)],
      ['类别', (row) => (row.found_alive ? `${row.kind_name}（已找到生还）` : row.kind_name)],
      ['发生时间', (row) => (row.occurred_at ? shortTime(row.occurred_at) : '')],
      ['地点', (row) => row.place],
      ['审核', (row) => row.review_status_name],
    ],
  },
  {
    key: 'damaged-houses',
    title: '因灾倒塌损坏住房户台账',
    reveal: (id) => `/damaged-houses/${id}/reveal`,
    columns: [
      ['村', (row) => row.org_unit.name],
      ['户主', (row) => row.head_name],
      ['地址', (row) => row.address],
      ['结构', (row) => row.structure],
      ['损坏程度', (row) => row.damage_name],
      ['间数', (row) => row.rooms],
      ['过渡期救助（人）', (row) => row.transitional_aid_persons],
      ['处置', (row) => row.status_name],
      ['审核', (row) => row.review_status_name],
    ],
  },
];

export function Ledgers({ params }) {
  const { user } = useSession();
  const event = useCached(`/events/${params.id}`);
  return (
    <Screen title="台账" back={`/desk/events/${params.id}`}>
      <div class="desk-wide">
        {event.data ? <p class="event-line">{event.data.name}</p> : null}
        <p class="muted">身份证号码已隐去中间数字。{mayReveal(user) ? '查看完整号码须写明原因，并记入审计记录。' : ''}</p>
        {LEDGERS.map((ledger) => (
          <Ledger key={ledger.key} ledger={ledger} eventId={params.id} canReveal={mayReveal(user)} />
        ))}
      </div>
    </Screen>
  );
}

function Ledger({ ledger, eventId, canReveal }) {
  const list = useCached(`/events/${eventId}/${ledger.key}?per_page=200`);
  const rows = list.data ? list.data.items : [];
  return (
    <section class="desk-section" aria-label={ledger.title}>
      <h2 class="section-title">
        {ledger.title}
        {list.data ? `（${list.data.total}）` : ''}
      </h2>
      <Download href={`/events/${eventId}/${ledger.key}.xlsx`} label={`下载${ledger.title}`} sub="XLSX，身份证号已隐去" />
      <Reading of={[list]} what={ledger.title} />
      {list.error && !list.data ? <Banner tone="warn">{list.error.message}</Banner> : null}
      {list.data && !rows.length ? <p class="muted">台账里还没有人。</p> : null}
      {rows.length ? (
        <div class="table-box">
          <table class="desk-table named-ledger-table">
            <caption>{ledger.title}</caption>
            <thead>
              <tr>
                {ledger.columns.map(([name]) => (
                  <th scope="col" key={name}>
                    {name}
                  </th>
                ))}
                <th scope="col">身份证号</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.id} data-row={row.id}>
                  {ledger.columns.map(([name, value], index) =>
                    index === 0 ? (
                      <th scope="row" key={name} data-label={name}>
                        {value(row)}
                      </th>
                    ) : (
                      <td key={name} data-label={name}>
                        {value(row)}
                      </td>
                    ),
                  )}
                  <td data-label="身份证号" class="id-cell">
                    <IdNumber row={row} path={ledger.reveal(row.id)} canReveal={canReveal} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {list.data && list.data.total > rows.length ? <p class="muted">这里列出前 {rows.length} 条，全部请下载。</p> : null}
      <UpdatedAt at={list.updatedAt} fromCache={list.fromCache} />
    </section>
  );
}

/** The masked number; for a county reviewer 查看身份证号 → the reason → the full number (audited). */
function IdNumber({ row, path, canReveal }) {
  const [asking, setAsking] = useState(false);
  const [reason, setReason] = useState('');
  const [full, setFull] = useState(null);
  const { errors, setErrors, problem, sending, send } = useSend();
  if (!row.has_id_number) return <span class="muted">未登记</span>;
  if (full) return <span class="id-full">{full}</span>;
  const reveal = async () => {
    if (!reason.trim()) {
      setErrors({ reason: ['请写明查看原因（记入审计）'] });
      return;
    }
    await send(path, { method: 'POST', json: { reason: reason.trim() } }, {
      offline: '没有网络，没有查到。',
      done: (answer) => setFull(answer.id_number),
    });
  };
  return (
    <span class="id-number">
      <span class="id-masked">{row.id_number}</span>
      {canReveal && !asking ? (
        <button type="button" class="link-button" onClick={() => setAsking(true)}>
          查看身份证号
        </button>
      ) : null}
      {asking ? (
        <span class="reveal-box">
          {problem ? <Banner tone="error">{problem}</Banner> : null}
          <TextField label="查看原因" name="reason" value={reason} onChange={(text) => (setReason(text), setErrors({}))} errors={errors} required hint="例如：核对救助名单" />
          <span class="button-row">
            <BigButton label="查看" onClick={reveal} disabled={sending} />
            <BigButton label="取消" tone="secondary" onClick={() => setAsking(false)} />
          </span>
        </span>
      ) : null}
    </span>
  );
}
