import { convertArea } from '../rules/area.js';
import { FieldError } from './FieldError.jsx';

export const AREA_UNITS = [
  { value: 'mu', label: '亩' },
  { value: 'ha', label: '公顷' },
];

/**
 * An area typed in 亩 or 公顷, with the other unit shown under it (15 亩 = 1 公顷). `value` is the text typed,
 * `unit` 'mu' | 'ha'; `onChange({text, unit})`. The server always receives 公顷 with two places: areaHa() below.
 * Tapping the other unit re-reads the typed number in that unit (the person meant 亩, not 公顷), it does not
 * convert it: a number a person typed never changes under their eyes.
 */
export function AreaField({ label, name, value, unit, onChange, errors, hint }) {
  const converted = value.trim() ? convertArea(value, unit) : null;
  return (
    <div class="field area-field">
      <label class="field-label" for={name}>
        {label}
      </label>
      <span class="number-row">
        <input
          id={name}
          class="input input-number"
          name={name}
          type="text"
          inputMode="decimal"
          autoComplete="off"
          value={value}
          onInput={(event) => onChange({ text: event.currentTarget.value, unit })}
        />
        <span class="unit-switch" role="radiogroup" aria-label={`${label}的单位`}>
          {AREA_UNITS.map((option) => (
            <button
              type="button"
              role="radio"
              aria-checked={unit === option.value}
              class={`unit-choice ${unit === option.value ? 'unit-choice-on' : ''}`}
              name={`${name}.unit`}
              value={option.value}
              onClick={() => onChange({ text: value, unit: option.value })}
            >
              {option.label}
            </button>
          ))}
        </span>
      </span>
      {converted && !converted.error ? (
        <span class="area-other" data-ha={converted.ha}>
          {unit === 'mu' ? `${converted.exact ? '=' : '≈'} ${converted.ha} 公顷` : `= ${converted.mu} 亩`}
        </span>
      ) : null}
      {hint ? <span class="field-hint">{hint}</span> : null}
      <FieldError errors={errors} path={name} />
    </div>
  );
}

// The conversion lives with the other pure rules (rules/area.js); exported here too for the forms.
export { areaToHa as areaHa } from '../rules/area.js';
