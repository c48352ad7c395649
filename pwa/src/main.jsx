import { render } from 'preact';
import './styles.css';
import { App } from './app.jsx';
import { DialogHost } from './components/Dialog.jsx';
import { configure, start } from './outbox.js';
import { getSession, restoreSession, sessionExpired } from './session.js';
import { registerServiceWorker } from './update.js';
import { keepListsFresh } from './reportLists.js';

configure({
  onUnauthorized: () => sessionExpired(), // the login screen comes up; every queued item stays
  // Only the logged-in user's items are sent; nobody logged in, nothing is sent (outbox.js).
  currentUser: () => {
    const session = getSession();
    return session.status === 'in' ? session.user : null;
  },
  refreshCsrf: async () => {
    await restoreSession();
    const session = getSession();
    return session.status === 'in' && !session.offline;
  },
});
render(
  <>
    <App />
    <DialogHost />
  </>,
  document.getElementById('app'),
);
registerServiceWorker();
// The outbox starts once the session (and its CSRF token) is known, so its first POST is not refused for it.
restoreSession().finally(() => start());
keepListsFresh(); // a report delivered refreshes the village's lists read offline (reportLists.js)
