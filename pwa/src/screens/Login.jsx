import { useState } from 'preact/hooks';
import { Banner, BigButton, OthersWaiting, TextField, WeChatHint } from '../components/index.js';
import { logIn, useSession } from '../session.js';
import { sendNow } from '../outbox.js';
import { navigate } from '../router.js';
import { useOutbox } from '../useOutbox.js';

export function Login() {
  const session = useSession();
  const outbox = useOutbox(); // nobody logged in: every item is someone's, shown as counts only
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event) => {
    event.preventDefault();
    if (!username.trim() || !password) {
      setError('请填写用户名和密码');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await logIn(username.trim(), password);
      sendNow().catch(() => {}); // this user's items that waited for the login go now (only theirs)
      navigate('/', { replace: true });
    } catch (failure) {
      setError(loginMessage(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="screen login">
      <main class="screen-body">
        <h1 class="login-title">网格灾情报送</h1>
        <p class="login-sub">村（社区）灾害信息员、网格员上报</p>
        <WeChatHint />
        {session.loggedOut ? <Banner tone="ok">已退出。</Banner> : null}
        {session.expired ? (
          <Banner tone="warn">登录已过期，请重新登录。没发出去的报告都还保存在手机上，登录后会自动发送。</Banner>
        ) : null}
        <OthersWaiting others={outbox.others} canDelete />
        <form onSubmit={submit} class="form">
          <TextField label="用户名" name="username" value={username} onChange={setUsername} autoComplete="username" />
          <TextField label="密码" name="password" type="password" value={password} onChange={setPassword} autoComplete="current-password" />
          {error ? <Banner tone="error">{error}</Banner> : null}
          <BigButton type="submit" label={busy ? '正在登录…' : '登录'} disabled={busy} />
          <p class="field-hint">登录后几周内不用再登录。</p>
        </form>
      </main>
    </div>
  );
}

function loginMessage(error) {
  if (error.status === 0) return '没有网络，登录需要联网。联网后再试。';
  if (error.status === 401) return '用户名或密码不对';
  return error.message;
}
