// The app shell: the session decides between the login screen and the routes; the update prompt sits above
// every screen (the flash message is in Screen, under the title bar).
import { useEffect } from 'preact/hooks';
import { navigate, resolve, useRoute } from './router.js';
import { isDeskUser, useSession } from './session.js';
import { useUpdate } from './update.js';
import { keepIndicators } from './indicators.js';
import { Dashboard, DESK_ROUTES } from './deskRoutes.js';
import { Home } from './screens/Home.jsx';
import { HazardNew } from './screens/HazardNew.jsx';
import { Login } from './screens/Login.jsx';
import { Outbox } from './screens/Outbox.jsx';
import { DamageForm } from './screens/DamageForm.jsx';
import { EvacuationForm } from './screens/EvacuationForm.jsx';
import { MyReports } from './screens/MyReports.jsx';
import { ReportDetail } from './screens/ReportDetail.jsx';
import { WarningBoard } from './screens/WarningBoard.jsx';
import { WarningDetail } from './screens/WarningDetail.jsx';
import { WarningNew } from './screens/WarningNew.jsx';
import { Ledgers } from './screens/Ledgers.jsx';
import { CasualtyEdit, CasualtyNew, HouseEdit, HouseNew } from './screens/LedgerForms.jsx';
import { LocalEventNew } from './screens/LocalEventNew.jsx';

export const ROUTES = [
  ['/', Start],
  ['/hazards/new', HazardNew],
  ['/events/:id/damage/new', DamageForm],
  ['/events/:id/evacuation/new', EvacuationForm],
  ['/events/:id/ledgers', Ledgers],
  ['/events/:id/casualties/new', CasualtyNew],
  ['/events/:id/houses/new', HouseNew],
  ['/casualties/:id/edit', CasualtyEdit],
  ['/houses/:id/edit', HouseEdit],
  ['/local-events/new', LocalEventNew],
  ['/reports', MyReports],
  ['/reports/:kind/:id', ReportDetail],
  ['/outbox', Outbox],
  ['/warnings/new', WarningNew],
  ['/warnings/:id/board', WarningBoard],
  ['/warnings/:id', WarningDetail],
  ...DESK_ROUTES,
];

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
  // The damage indicators on the phone before anyone needs them offline (indicators.js).
  useEffect(() => {
    if (session.status === 'in' && !session.offline) keepIndicators();
  }, [session.status, session.offline, session.user && session.user.id]);

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
        <a class="big-button big-button-primary" href="/">
          回首页
        </a>
      </main>
    </div>
  );
}
