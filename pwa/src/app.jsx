// The app shell: the session decides between the login screen and the routes; the update prompt sits above
// every screen (the flash message is in Screen, under the title bar).
import { useEffect, useState } from 'preact/hooks';
import { navigate, resolve, useRoute } from './router.js';
import { isDeskUser, useSession } from './session.js';
import { useUpdate } from './update.js';
import { Home } from './screens/Home.jsx';
import { HazardNew } from './screens/HazardNew.jsx';
import { Login } from './screens/Login.jsx';
import { Outbox } from './screens/Outbox.jsx';
import { DamageForm } from './screens/DamageForm.jsx';
import { EvacuationForm } from './screens/EvacuationForm.jsx';
import { MyReports } from './screens/MyReports.jsx';
import { ReportDetail } from './screens/ReportDetail.jsx';
import { Dashboard } from './screens/Dashboard.jsx';
import { DeskEvent } from './screens/DeskEvent.jsx';
import { WarningBoard } from './screens/WarningBoard.jsx';
import { WarningDetail } from './screens/WarningDetail.jsx';
import { WarningNew } from './screens/WarningNew.jsx';

export const ROUTES = [
  ['/', Start],
  ['/hazards/new', HazardNew],
  ['/events/:id/damage/new', DamageForm],
  ['/events/:id/evacuation/new', EvacuationForm],
  ['/reports', MyReports],
  ['/reports/:kind/:id', ReportDetail],
  ['/outbox', Outbox],
  ['/warnings/new', WarningNew],
  ['/warnings/:id/board', WarningBoard],
  ['/warnings/:id', WarningDetail],
  ['/desk/events/:id', DeskEvent],
  ['/desk/sms', DeskSmsRoute],
];

/** 短信报灾's desk page, loaded on first visit (desk code stays out of the officer's first load). */
function DeskSmsRoute() {
  const [Page, setPage] = useState(null);
  useEffect(() => {
    import('./sms/DeskSms.jsx').then((module) => setPage(() => module.DeskSms));
  }, []);
  return Page ? <Page /> : <div class="splash">正在打开…</div>;
}

/** Reporters start at Home (上报隐患, 报灾情 …); reviewers and viewers at the duty desk (工作台). */
function Start() {
  const { user } = useSession();
  return isDeskUser(user) ? <Dashboard /> : <Home />;
}

export function App() {
  const session = useSession();
  const route = useRoute();
  const applyUpdate = useUpdate();

  useEffect(() => {
    if (session.status === 'in' && route.path === '/login') navigate('/', { replace: true });
  }, [session.status, route.path]);

  let body;
  if (session.status === 'unknown') body = <div class="splash">网格灾情报送</div>;
  else if (session.status === 'out') body = <Login />;
  else {
    const found = resolve(ROUTES, route.path);
    body = found ? <found.Component params={found.params} /> : <NotFound />;
  }
  return (
    <>
      {applyUpdate ? (
        <div class="update-bar">
          <button type="button" class="update-button" onClick={applyUpdate}>
            有新版本，点此更新
          </button>
        </div>
      ) : null}
      {body}
    </>
  );
}

function NotFound() {
  return (
    <div class="screen">
      <main class="screen-body">
        <p>没有这个页面。</p>
        <button type="button" class="big-button big-button-primary" onClick={() => navigate('/', { replace: true })}>
          回首页
        </button>
      </main>
    </div>
  );
}
