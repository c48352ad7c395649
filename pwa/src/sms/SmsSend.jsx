// 用短信发送: under an outbox item that has waited with no data, the links that open the phone's SMS app with the
// county's number and the coded report; the officer only taps send. The item stays in 待发送, marked
// 已短信发送，等待确认, until the server confirms it by the next HTTP contact (the outbox then deletes it).
import { useEffect, useState } from 'preact/hooks';
import { getState } from '../outbox.js';
import './sms.css';
import { markSmsSent, smsLinks, smsOffered, smsSent, smsSettings } from './store.js';

export function SmsSend({ item }) {
  const [settings, setSettings] = useState(null);
  const [sentAt, setSentAt] = useState(null);
  const [links, setLinks] = useState([]);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    Promise.all([smsSettings(), smsSent()]).then(
      ([found, sent]) => {
        if (!live) return;
        setSettings(found || null);
        setSentAt(sent[item.clientId] || null);
      },
      () => {},
    );
    // The offer depends on time (an item must have waited a few minutes): look again every half minute.
    const timer = setInterval(() => setTick((n) => n + 1), 30 * 1000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [item.clientId]);
  const online = typeof navigator === 'undefined' || navigator.onLine !== false;
  const offered = smsOffered(item, { settings, online, unreachable: getState().unreachable });
  useEffect(() => {
    let live = true;
    if (!offered) {
      setLinks([]);
      return undefined;
    }
    smsLinks(item, settings).then(
      (made) => live && setLinks(made),
      () => live && setLinks([]),
    );
    return () => {
      live = false;
    };
  }, [offered, item.clientId, item.updatedAt, settings, tick]);

  if (!offered && !sentAt) return null;
  const sent = () => {
    const at = Date.now();
    setSentAt(at);
    markSmsSent(item.clientId, at).catch(() => {});
  };
  return (
    <div class="sms-send">
      {sentAt ? (
        <p class="sms-sent">
          已短信发送，等待确认
          <span class="sms-hint muted">（有网络时服务器确认收到，这条会自动从待发送中去掉）</span>
        </p>
      ) : null}
      {links.map((href, index) => (
        <a class="big-button big-button-secondary sms-link" href={href} onClick={sent} key={href}>
          <span class="big-button-label">
            {links.length > 1 ? `用短信发送（第 ${index + 1} 条，共 ${links.length} 条）` : sentAt ? '再用短信发送' : '用短信发送'}
          </span>
        </a>
      ))}
      {links.length ? (
        <details class="sms-text">
          <summary>短信内容（短信里没有时可复制）</summary>
          {links.map((href) => (
            <code key={href}>{decodeURIComponent(href.split('?body=')[1])}</code>
          ))}
        </details>
      ) : null}
      {links.length ? (
        <p class="muted sms-hint">
          没有网络时可用短信报送：点上面的按钮，在短信里点「发送」。
          {item.photos.length ? '照片不随短信发送，有网络后自动补发。' : ''}
        </p>
      ) : null}
    </div>
  );
}
