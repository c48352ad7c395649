// The desk's event, hazard, chart, map and admin screens (issue 20, items 4-7), each its own chunk loaded on first
// use (src/screens/desk/: the service worker leaves them out of the village officer's shell). app.jsx spreads these
// into ROUTES before '/desk/events/:id', so /desk/events/new is not read as an event id.
import { lazyScreen } from './lazyScreen.jsx';

const EventNew = lazyScreen(() => import('./screens/desk/EventNew.jsx').then((m) => m.EventNew));
const EventManage = lazyScreen(() => import('./screens/desk/EventManage.jsx').then((m) => m.EventManage));
const EventCharts = lazyScreen(() => import('./screens/desk/Charts.jsx').then((m) => m.Charts));
const HazardsList = lazyScreen(() => import('./screens/desk/HazardsList.jsx').then((m) => m.HazardsList));
const HazardDesk = lazyScreen(() => import('./screens/desk/HazardDesk.jsx').then((m) => m.HazardDesk));
const HazardMap = lazyScreen(() => import('./screens/desk/HazardMap.jsx').then((m) => m.HazardMap));
const AdminUsers = lazyScreen(() => import('./screens/desk/AdminUsers.jsx').then((m) => m.AdminUsers));
const AdminUnits = lazyScreen(() => import('./screens/desk/AdminUnits.jsx').then((m) => m.AdminUnits));

export const DESK_MORE_ROUTES = [
  ['/desk/events/new', EventNew],
  ['/desk/events/:id/manage', EventManage],
  ['/desk/events/:id/charts', EventCharts],
  ['/desk/hazards', HazardsList],
  ['/desk/hazards/:id', HazardDesk],
  ['/desk/map', HazardMap],
  ['/desk/admin', AdminUsers],
  ['/desk/admin/units', AdminUnits],
];
