import { Screen } from '../components/index.js';

// Stand-in for screens another branch builds (报灾情, 报转移, 我的报告): replaced when that branch is merged.
export function Placeholder({ title }) {
  return (
    <Screen title={title} back="/">
      <p class="muted">这个功能正在做，很快就能用。</p>
    </Screen>
  );
}

export const DamageNew = () => <Placeholder title="报灾情" />;
export const EvacuationNew = () => <Placeholder title="报转移" />;
export const Reports = () => <Placeholder title="我的报告" />;
export const ReportDetail = () => <Placeholder title="报告详情" />;
