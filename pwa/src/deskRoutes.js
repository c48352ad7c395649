// The desks' routes (township, county: issue 20), every screen a lazy chunk under src/screens/desk/, so a village
// officer's first load never carries them. More specific paths first: /desk/events/new and /desk/events/:id/manage
// before /desk/events/:id. app.jsx spreads DESK_ROUTES into its ROUTES.
import { lazyScreen } from './lazy.jsx';

const desk = () => import('./screens/desk/index.js'); // 工作台 and the sign-off chain share one chunk
const own = (load, name) => lazyScreen(load, name); // a screen with a chunk of its own (the map carries Leaflet)

export const Dashboard = lazyScreen(desk, 'Dashboard');

export const DESK_ROUTES = [
  ['/desk/events/new', own(() => import('./screens/desk/EventNew.jsx'), 'EventNew')],
  ['/desk/events/:id/manage', own(() => import('./screens/desk/EventManage.jsx'), 'EventManage')],
  ['/desk/events/:id/charts', own(() => import('./screens/desk/Charts.jsx'), 'Charts')],
  ['/desk/hazards', own(() => import('./screens/desk/HazardsList.jsx'), 'HazardsList')],
  ['/desk/hazards/:id', own(() => import('./screens/desk/HazardDesk.jsx'), 'HazardDesk')],
  ['/desk/map', own(() => import('./screens/desk/HazardMap.jsx'), 'HazardMap')],
  ['/desk/admin', own(() => import('./screens/desk/AdminUsers.jsx'), 'AdminUsers')],
  ['/desk/admin/units', own(() => import('./screens/desk/AdminUnits.jsx'), 'AdminUnits')],
  ['/desk/sms', own(() => import('./sms/DeskSms.jsx'), 'DeskSms')], // 短信报灾: the inbound number, the gateway's health
  ['/desk/local-events', lazyScreen(desk, 'LocalEvents')],
  ['/desk/events/:id/signoff', lazyScreen(desk, 'SignOff')],
  ['/desk/events/:id/ledgers', lazyScreen(desk, 'Ledgers')],
  ['/desk/events/:id/units/:unitId', lazyScreen(desk, 'UnitRollup')],
  ['/desk/events/:id', lazyScreen(desk, 'DeskEvent')],
];
