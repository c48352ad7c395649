// 零报告 and 本日无新增 go out on one tap of a big button; a thumb slip would file an official "no damage" for the
// village. One confirmation in the app's own dialog (components/Dialog.jsx), never window.confirm (blocked by some
// in-app browsers, which then answer "no" without showing anything).
import { ask } from '../components/Dialog.jsx';
import { stageName } from '../rules/stage.js';

/** kind: 'zero' | 'noChange'; resolves true when the person confirmed. */
export function confirmQuick(kind, stage) {
  if (kind === 'zero') {
    return ask({
      title: `报「零报告」（${stageName(stage)}）？`,
      message: '表示本村这次灾害没有人员伤亡、没有房屋和农作物损失。报出后乡镇、县里都会看到。',
      confirmLabel: '确认零报告',
    });
  }
  return ask({
    title: '报「本日无新增」？',
    message: '续报的数字和上次完全一样。如果有任何变化，请点「取消」后填写数字。',
    confirmLabel: '确认无新增',
  });
}
