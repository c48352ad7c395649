// One report of the village (/reports/:kind/:id): a damage report (a returned one shows the reason on top and
// the way to correct it), an evacuation report or a hazard. Offline, the copy in the list read last is shown.
// A reviewer above the village opens a damage report here from the desk (待审核) and reviews it: 通过, or 退回 with
// the reason the village reads on its phone. The figures are named and grouped as the server says (GET /indicators,
// indicators.js); the photos sent with a report show as thumbnails, each opening the full size.
import { useState } from 'preact/hooks';
import { Banner, BigButton, Reading, Screen, UpdatedAt } from '../components/index.js';
import { ReviewDecision } from './shared.jsx';
import { useCached } from '../cache.js';
import { flash } from '../flash.js';
import { clock } from '../format.js';
import { goBack, useRoute } from '../router.js';
import { isDeskUser, useSession } from '../session.js';
import { useSend } from '../useSend.js';
import { haToMuText, toTwoPlaces } from '../rules/area.js';
import { STATUS_NAMES } from '../rules/damage.js';
import { indicatorsProblem, useIndicatorsOf } from '../indicators.js';
import { openReturns, stageName } from '../rules/stage.js';
import { useOutbox } from '../useOutbox.js';
import { DAMAGE_LIST, damageHistory, evacuationList, HAZARD_LIST } from '../reportLists.js';
import './reports.css';

// server/hazards/models.py ACTIONS
const HAZARD_ACTIONS = {
  report: '上报',
  verify: '核实',
  reject: '排除',
  start_rectification: '开始整改',
  report_rectified: '报告整改完成',
  close: '销号',
  reopen: '重新打开',
};

const SOURCES = {
  damage: { title: '灾情报告', one: (id) => `/damage-reports/${id}`, list: () => DAMAGE_LIST },
  evacuation: {
    title: '转移情况',
    one: (id) => `/evacuations/${id}`,
    list: (query) => query.get('event') && evacuationList(query.get('event')),
  },
  hazard: { title: '隐患', one: (id) => `/hazards/${id}`, list: () => HAZARD_LIST },
};

export function ReportDetail({ params }) {
  const { query } = useRoute();
  const source = SOURCES[params.kind];
  const { user } = useSession();
  const one = useCached(source ? source.one(params.id) : null);
  // Offline and never opened: the same report as it came in the list.
  const list = useCached(source && one.error ? source.list(query) || null : null);
  if (!source)
    return (
      <Screen title="我的报告" back="/reports">
        <p class="muted">没有这种报告。</p>
      </Screen>
    );
  const fromList = list.data && list.data.items.find((item) => String(item.id) === params.id);
  const report = one.data || fromList;
  const shown = one.data ? one : list;
  // 返回 without history: a desk user to the event's list (or the desk), a reporter to 我的报告.
  const deskBack = report ? `/desk/events/${report.event_id}` : '/';
  const backTo = isDeskUser(user) ? deskBack : '/reports';
  return (
    <Screen title={source.title} back={backTo}>
      {!report ? <Reading of={[one.error ? list : one]} /> : null}
      {!report && one.error && !list.loading ? (
        <Banner tone="warn">
          {one.error.status === 0 ? '没有网络，这份报告还没有在这台手机上看过。' : one.error.message}
        </Banner>
      ) : null}
      {report && params.kind === 'damage' ? <DamageDetail report={report} /> : null}
      {report && params.kind === 'damage' && one.data ? <ReviewForm report={one.data} reread={one.reload} /> : null}
      {report && params.kind === 'evacuation' ? <EvacuationDetail report={report} /> : null}
      {report && params.kind === 'hazard' ? <HazardDetail hazard={report} /> : null}
      {report ? <UpdatedAt at={shown.updatedAt} fromCache={shown.fromCache} /> : null}
    </Screen>
  );
}

function DamageDetail({ report }) {
  const f = report.figures;
  const { vocab, ...indicators } = useIndicatorsOf(f);
  return (
    <>
      {report.status === 'returned' ? (
        <Banner tone="error">
          <strong>这份报告被退回了。</strong>
          <span class="return-reason">退回原因：{report.review_comment || '（未写原因）'}</span>
        </Banner>
      ) : null}
      {report.status === 'returned' ? <CorrectButton report={report} /> : null}
      {(report.warnings || []).length ? (
        <Banner tone="warn">
          <strong>与台账不一致：</strong>
          {report.warnings.map((warning) => (
            <span class="ledger-warning" key={warning.field}>
              {warning.message}
            </span>
          ))}
        </Banner>
      ) : null}
      <dl class="facts">
        {report.org_unit ? <Fact name="村（社区）">{report.org_unit.name}</Fact> : null}
        <Fact name="报告">
          {stageName(report.stage)}
          {report.is_zero ? '（零报告）' : ''}
        </Fact>
        <Fact name="状态">
          {STATUS_NAMES[report.status]}
          {report.current ? '，当前有效' : ''}
        </Fact>
        <Fact name="报送">
          {`${report.submitted_by ? report.submitted_by.name : ''} ${clock(report.submitted_at)}`}
          {report.channel === 'sms' ? '（短信报送）' : ''}
        </Fact>
        {report.reviewed_at ? (
          <Fact name="审核">{`${report.reviewed_by ? report.reviewed_by.name : ''} ${clock(report.reviewed_at)}`}</Fact>
        ) : null}
        {report.review_comment && report.status !== 'returned' ? (
          <Fact name="审核意见">{report.review_comment}</Fact>
        ) : null}
        {report.change_note ? <Fact name="变动说明">{report.change_note}</Fact> : null}
        {report.note ? <Fact name="补充说明">{report.note}</Fact> : null}
      </dl>
      {vocab
        ? vocab.groups.map((group) => (
            <section key={group.key} class="figure-group">
              <h2 class="section-title">{group.label}</h2>
              <dl class="facts">
                {group.keys.map((key) => (
                  <Fact key={key} name={`${vocab.byKey[key].label}（${vocab.byKey[key].unit}）`}>
                    {vocab.byKey[key].area ? withMu(f[key]) : String(f[key] ?? 0)}
                  </Fact>
                ))}
              </dl>
            </section>
          ))
        : null}
      {!vocab && indicatorsProblem(indicators) ? <Banner tone="warn">{indicatorsProblem(indicators)}</Banner> : null}
      <Photos photos={report.photos} what="灾情" />
    </>
  );
}

/**
 * The photos of a report: thumbnails, each a link to the full size (the photo's own URL: opened without JavaScript
 * too); a plain tap shows it in the app, over the screen, with 关闭 (and 打开原图 for zooming in the browser).
 */
function Photos({ photos, what }) {
  const [open, setOpen] = useState(null);
  if (!photos || !photos.length) return null;
  const shown = open === null ? null : photos[open];
  return (
    <section class="figure-group" aria-label="照片">
      <h2 class="section-title">照片（{photos.length} 张）</h2>
      <ul class="photo-list">
        {photos.map((photo, index) => (
          <li class="photo-item" key={photo.id}>
            <a
              class="photo-link"
              href={photo.url}
              aria-label={`看第 ${index + 1} 张${what}照片的大图`}
              onClick={(event) => {
                event.preventDefault();
                setOpen(index);
              }}
            >
              <img class="photo-thumb" src={photo.thumbnail_url} alt={`${what}照片 ${index + 1}`} />
            </a>
          </li>
        ))}
      </ul>
      {shown ? (
        <div
          class="photo-viewer"
          role="dialog"
          aria-modal="true"
          aria-label={`${what}照片 ${open + 1} / ${photos.length}`}
          onKeyDown={(event) => event.key === 'Escape' && setOpen(null)}
        >
          <div class="photo-viewer-bar">
            <span class="photo-viewer-count">
              {open + 1} / {photos.length}
            </span>
            <a class="photo-viewer-button" href={shown.url} target="_blank" rel="noopener">
              打开原图
            </a>
            <button type="button" class="photo-viewer-button" onClick={() => setOpen(null)} autoFocus>
              关闭
            </button>
          </div>
          <img class="photo-full" src={shown.url} alt={`${what}照片 ${open + 1}（大图）`} />
          {photos.length > 1 ? (
            <div class="photo-viewer-bar">
              <button type="button" class="photo-viewer-button" disabled={open === 0} onClick={() => setOpen(open - 1)}>
                上一张
              </button>
              <button
                type="button"
                class="photo-viewer-button"
                disabled={open === photos.length - 1}
                onClick={() => setOpen(open + 1)}
              >
                下一张
              </button>
            </div>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}

/**
 * 审核: 通过, or 退回 with the reason the village reads on its phone, where the server says the caller may review
 * the report now (`can_review`: a reviewer above the village who did not file it, on a current report not yet
 * reviewed). Sent straight to the server with the version read (a desk has a network, and the reviewer must know
 * at once whether it went); a report reviewed or replaced meanwhile is refused in the server's words and read
 * again. Back to the desk's list after it went.
 */
function ReviewForm({ report, reread }) {
  const { errors, setErrors, problem, sending, send } = useSend();
  if (!report.can_review) {
    // Nothing to review (any more): if our review was just refused, say why above the report as it now is.
    return problem ? <Banner tone="error">{problem}</Banner> : null;
  }
  const decide = async (decision, comment) => {
    const json = { decision, comment, version: report.version };
    const done = () => {
      flash(decision === 'approve' ? `已通过：${report.org_unit.name}` : `已退回：${report.org_unit.name}，村里会看到原因`);
      goBack(`/desk/events/${report.event_id}`);
    };
    if (!(await send(`/damage-reports/${report.id}/review`, { method: 'POST', json }, { offline: '没有网络，没有提交审核。', done }))) {
      reread(); // reviewed or replaced meanwhile: show it as it is now
    }
  };
  return (
    <section class="card review-card" aria-label="审核">
      <h2 class="section-title">审核</h2>
      {problem ? <Banner tone="error">{problem}</Banner> : null}
      <ReviewDecision
        accept={['通过', 'approve']}
        reader="村里会在手机上看到"
        hint="村里会在手机上看到，写清楚要核实或改正什么。"
        decide={decide}
        errors={errors}
        setErrors={setErrors}
        sending={sending}
      />
    </section>
  );
}

/** 修改后重新报送, unless a newer report of the event was filed since (on the server or waiting on the phone). */
function CorrectButton({ report }) {
  const history = useCached(damageHistory(report.event_id));
  const outbox = useOutbox();
  const url = `/events/${report.event_id}/damage-reports`;
  const queued = new Set(
    outbox.items.some((item) => item.kind === 'damage' && item.url === url) ? [report.event_id] : [],
  );
  const reports = history.data ? history.data.items : [report];
  if (!openReturns(reports, queued).some((r) => r.id === report.id)) {
    return <p class="muted corrected">已重新报送，见「我的报告」。</p>;
  }
  return <BigButton label="修改后重新报送" href={`/events/${report.event_id}/damage/new?correct=${report.id}`} />;
}

function withMu(ha) {
  const mu = haToMuText(ha);
  return mu ? `${toTwoPlaces(ha)}（${mu} 亩）` : '0.00';
}

function EvacuationDetail({ report }) {
  return (
    <dl class="facts">
      <Fact name="紧急避险转移">{report.evacuated} 人</Fact>
      <Fact name="其中集中安置">{report.centralized} 人</Fact>
      <Fact name="其中分散安置">{report.dispersed} 人</Fact>
      <Fact name="已返回">{report.returned} 人</Fact>
      <Fact name="现在在外">{report.displaced} 人</Fact>
      {(report.allocations || []).map((a) => (
        <Fact key={a.shelter_id} name={`安置在 ${a.shelter_name}`}>
          {a.persons} 人
        </Fact>
      ))}
      <Fact name="状态">{report.current ? '当前' : '已被新报告替换'}</Fact>
      <Fact name="报送">{`${report.submitted_by_name || ''} ${clock(report.submitted_at)}`}</Fact>
      {report.note ? <Fact name="补充说明">{report.note}</Fact> : null}
    </dl>
  );
}

function HazardDetail({ hazard }) {
  return (
    <>
      <h2 class="card-title">{hazard.title}</h2>
      <dl class="facts">
        <Fact name="编号">{hazard.number}</Fact>
        <Fact name="状态">{hazard.status_name}</Fact>
        <Fact name="类型">{hazard.category_name}</Fact>
        <Fact name="风险等级">{hazard.risk_level_name}</Fact>
        <Fact name="威胁">{`${hazard.threatened_households} 户 ${hazard.threatened_persons} 人`}</Fact>
        <Fact name="位置">
          {hazard.address ||
            (hazard.lat != null ? `${hazard.lat}, ${hazard.lon}（精度约 ${hazard.accuracy_m ?? '?'} 米）` : '未填')}
        </Fact>
        {hazard.description ? <Fact name="情况说明">{hazard.description}</Fact> : null}
        {hazard.measures ? <Fact name="措施">{hazard.measures}</Fact> : null}
        {hazard.responsible_person ? <Fact name="责任人">{hazard.responsible_person}</Fact> : null}
        {hazard.deadline ? <Fact name="整改时限">{clock(hazard.deadline)}</Fact> : null}
      </dl>
      <Photos photos={hazard.photos} what="隐患" />
      {hazard.history && hazard.history.length ? (
        <>
          <h2 class="section-title">处理经过</h2>
          <ol class="plain-list history">
            {hazard.history.map((step, index) => (
              <li key={index}>
                {clock(step.at)} {step.by ? step.by.name : ''} {HAZARD_ACTIONS[step.action] || step.action}
                {step.comment ? `：${step.comment}` : ''}
              </li>
            ))}
          </ol>
        </>
      ) : null}
    </>
  );
}

function Fact({ name, children }) {
  return (
    <div class="fact">
      <dt>{name}</dt>
      <dd>{children}</dd>
    </div>
  );
}
