// The words after 保存并上报 (issue 18, item 6) and the WeChat hint's detection (item 8).
import { describe, expect, it } from 'vitest';
import { outcomeMessage, QUEUED_TEXT } from '../src/outcome.js';
import { insideWeChat } from '../src/wechat.js';

describe('outcomeMessage', () => {
  it('says exactly one of 已送达 (with the time), 已存在手机, 未被接受 (with the server words)', () => {
    const at = new Date(2026, 6, 1, 8, 5).getTime();
    const delivered = outcomeMessage({ status: 'delivered', at, photosLeft: 0 });
    expect(delivered.tone).toBe('ok');
    expect(delivered.text).toMatch(/^已送达（.*08:05）。$/);
    expect(outcomeMessage({ status: 'delivered', at, photosLeft: 2 }).text).toContain('照片还有 2 张正在发送');
    for (const reason of ['offline', 'login', 'busy', 'slow', 'waiting']) {
      expect(outcomeMessage({ status: 'queued', reason })).toEqual({ tone: 'info', text: QUEUED_TEXT });
    }
    expect(QUEUED_TEXT.startsWith('已存在手机，有网络时自动发送')).toBe(true);
    const refused = outcomeMessage({ status: 'refused', error: { status: 409, message: '该村已报送初报' } });
    expect(refused).toEqual({ tone: 'error', text: '未被接受，没有报送成功。请按下面的红字改好再发。' });
  });
});

describe('insideWeChat', () => {
  it('knows WeChat from the user agent alone (its JS bridge may come late or never)', () => {
    const weChat =
      'Mozilla/5.0 (Linux; Android 12; V2134A) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/86.0.4240.99 ' +
      'XWEB/4317 MMWEBSDK/20220903 Mobile Safari/537.36 MMWEBID/1234 MicroMessenger/8.0.28.2240(0x28001C57) WeChat/arm64';
    expect(insideWeChat(weChat)).toBe(true);
    expect(insideWeChat('Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36 wxwork/4.1.0')).toBe(true);
    expect(insideWeChat('Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36')).toBe(false);
  });
});
