// The desk's screens (township and county): one lazy chunk, loaded by app.jsx only for desk users, so the village
// officer's first load stays small.
export { Dashboard } from '../Dashboard.jsx';
export { DeskEvent } from '../DeskEvent.jsx';
export { Ledgers } from './Ledgers.jsx';
export { LocalEvents } from './LocalEvents.jsx';
export { SignOff } from './SignOff.jsx';
export { UnitRollup } from './UnitRollup.jsx';
