// Where the app runs. A browser without service workers cannot open the app offline (a feature, detected).
// WeChat is the exception to PWA.md rule 10 (features, not user agents): its JS bridge arrives late or not at all
// (issue 18: the hint never showed in WeChat), while its user agent always says MicroMessenger (WeChat, and
// WeCom's "wxwork"). So the user agent alone decides; the bridge, if it comes, confirms.

export function insideWeChat(userAgent = globalThis.navigator ? navigator.userAgent : '') {
  if (/MicroMessenger|wxwork/i.test(userAgent || '')) return true;
  return typeof globalThis.WeixinJSBridge !== 'undefined';
}

export function offlineStartSupported() {
  return 'serviceWorker' in navigator;
}

/** Copy the page's address; the Clipboard API needs a secure context, the old way works in WebViews. */
export async function copyLink(url = location.origin + '/') {
  try {
    await navigator.clipboard.writeText(url);
    return true;
  } catch {
    const field = document.createElement('textarea');
    field.value = url;
    field.className = 'offscreen';
    document.body.appendChild(field);
    field.select();
    const copied = document.execCommand('copy');
    field.remove();
    return copied;
  }
}
