// A request a desk sends straight to the server, not through the outbox (发布预警, 修改预警, 撤销预警): the issuer must
// know at once whether it went, and a desk has a network. One shape for every such form: `sending` while it runs,
// the server's 422 words on their fields, and a line saying what happened (no network: nothing was done, and what
// was typed stays on the form).
import { useState } from 'preact/hooks';
import { api } from './api.js';

export function useSend() {
  const [errors, setErrors] = useState({});
  const [problem, setProblem] = useState(null);
  const [sending, setSending] = useState(false);
  /** `api(path, options)`; then `done(answer)`. `offline`: the words when there is no network. True if it went. */
  const send = async (path, options, { offline, done }) => {
    setSending(true);
    setProblem(null);
    try {
      done(await api(path, options));
      return true;
    } catch (error) {
      setErrors(error.fields || {});
      setProblem(error.status === 0 ? offline : error.message);
      return false;
    } finally {
      setSending(false);
    }
  };
  return { errors, setErrors, problem, setProblem, sending, send };
}
