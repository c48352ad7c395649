// How times and ages read on the phone (Chinese, the deployment's time zone is the phone's own).

/** "刚刚", "5 分钟前", "3 小时前", "2 天前". */
export function age(ms, now = Date.now()) {
  const minutes = Math.floor((now - ms) / 60000);
  if (minutes < 1) return '刚刚';
  if (minutes < 60) return `${minutes} 分钟前`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} 小时前`;
  return `${Math.floor(hours / 24)} 天前`;
}

const pad = (n) => String(n).padStart(2, '0');

/** "12月1日 08:05" (today's date is left out: "08:05"). */
export function clock(value, now = new Date()) {
  const d = value instanceof Date ? value : new Date(value);
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  if (d.toDateString() === now.toDateString()) return `今天 ${time}`;
  return `${d.getMonth() + 1}月${d.getDate()}日 ${time}`;
}

/** ISO 8601 with the phone's offset, as the API wants ("2026-07-01T08:00:00+08:00"). */
export function isoLocal(d = new Date()) {
  const offset = -d.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  const abs = Math.abs(offset);
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:` +
    `${pad(d.getSeconds())}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
  );
}
