import { FieldError } from './FieldError.jsx';

/**
 * Big choices in a grid (radio semantics). options: [{value, label, tone?}]; `tone` colours the choice
 * (risk levels: blue, yellow, orange, red).
 */
export function ChoiceGrid({ label, name, options, value, onChange, columns = 3, errors, required }) {
  return (
    <fieldset class="field">
      <legend class="field-label">
        {label}
        {required ? <span class="required">（必选）</span> : null}
      </legend>
      <div class={`choice-grid choice-grid-${columns}`} role="radiogroup">
        {options.map((option) => (
          <button
            type="button"
            role="radio"
            aria-checked={value === option.value}
            name={name}
            class={`choice ${option.tone ? `choice-${option.tone}` : ''} ${value === option.value ? 'choice-on' : ''}`}
            onClick={() => onChange(option.value)}
          >
            {option.label}
          </button>
        ))}
      </div>
      <FieldError errors={errors} path={name} />
    </fieldset>
  );
}
