import { useEffect, useState } from 'preact/hooks';
import { copyLink, insideWeChat, offlineStartSupported } from '../wechat.js';

/**
 * Inside WeChat (or any browser without service workers) the app still works online and keeps every report on
 * the phone; only opening it offline needs a real browser. A short hint with a copy-link button, never a wall.
 */
export function WeChatHint() {
  const [weChat, setWeChat] = useState(() => insideWeChat());
  const [closed, setClosed] = useState(false);
  const [copied, setCopied] = useState(null);
  useEffect(() => {
    const ready = () => setWeChat(true);
    document.addEventListener('WeixinJSBridgeReady', ready); // the bridge may arrive after our start
    return () => document.removeEventListener('WeixinJSBridgeReady', ready);
  }, []);
  if (closed || (!weChat && offlineStartSupported())) return null;
  return (
    <div class="banner banner-warn wechat-hint" role="note">
      <div class="banner-text">
        {weChat ? '点右上角 ··· 选择「在浏览器打开」，没有网络时也能打开本应用。' : '这个浏览器不能离线打开本应用，建议用手机自带浏览器打开。'}
        <br />
        现在也可以照常上报，内容会先存在手机上。
        {copied === false ? <><br />复制没有成功，请长按地址栏复制。</> : null}
      </div>
      <div class="banner-buttons">
        <button type="button" class="banner-action" onClick={async () => setCopied(await copyLink())}>
          {copied ? '已复制链接' : '复制链接'}
        </button>
        <button type="button" class="banner-action banner-action-plain" onClick={() => setClosed(true)}>
          知道了
        </button>
      </div>
    </div>
  );
}
