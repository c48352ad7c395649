// The shared components, one import for screens: import { Screen, BigButton } from '../components/index.js'.
export { Banner } from './Banner.jsx';
export { BigButton } from './BigButton.jsx';
export { ChoiceGrid } from './ChoiceGrid.jsx';
export { FieldError } from './FieldError.jsx';
export { NumberField, toInt } from './NumberField.jsx';
export { OfflineBadge } from './OfflineBadge.jsx';
export { PhotoPicker } from './PhotoPicker.jsx';
export { Reading, firstRead } from './Reading.jsx';
export { Screen } from './Screen.jsx';
export { TextField } from './TextField.jsx';
export { UpdatedAt } from './UpdatedAt.jsx';
export { WeChatHint } from './WeChatHint.jsx';
export { AreaField, areaHa } from './AreaField.jsx';
export { ask, DialogHost } from './Dialog.jsx';
export { OthersWaiting } from './OthersWaiting.jsx';
