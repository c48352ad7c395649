// Where the app runs. Features are detected, never user agents (PWA.md rule 10): WeChat's in-app browser
// exposes its JS bridge; a browser without service workers cannot open the app offline.

export function insideWeChat() {
  return typeof window.WeixinJSBridge !== 'undefined';
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
