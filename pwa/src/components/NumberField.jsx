import { FieldError } from './FieldError.jsx';

/** A whole number ≥ 0 with the numeric keypad. value is a string as typed ('' = empty); parse with toInt(). */
export function NumberField({ label, name, value, onChange, unit, errors, hint }) {
  return (
    <label class="field">
      <span class="field-label">{label}</span>
      <span class="number-row">
        <input
          class="input input-number"
          name={name}
          type="text"
          inputMode="numeric"
          pattern="[0-9]*"
          autoComplete="off"
          value={value}
          onInput={(event) => onChange(event.currentTarget.value.replace(/[^0-9]/g, ''))}
        />
        {unit ? <span class="unit">{unit}</span> : null}
      </span>
      {hint ? <span class="field-hint">{hint}</span> : null}
      <FieldError errors={errors} path={name} />
    </label>
  );
}

/** '' → 0, '012' → 12. */
export function toInt(text) {
  const n = parseInt(text, 10);
  return Number.isFinite(n) ? n : 0;
}
