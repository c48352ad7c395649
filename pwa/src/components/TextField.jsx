import { FieldError } from './FieldError.jsx';

export function TextField({ label, name, value, onChange, multiline, placeholder, errors, hint, required, type = 'text', autoComplete }) {
  const Tag = multiline ? 'textarea' : 'input';
  return (
    <label class="field">
      <span class="field-label">
        {label}
        {required ? <span class="required">（必填）</span> : null}
      </span>
      <Tag
        class={`input ${multiline ? 'input-multiline' : ''}`}
        name={name}
        type={multiline ? undefined : type}
        rows={multiline ? 3 : undefined}
        value={value}
        placeholder={placeholder}
        autoComplete={autoComplete || 'off'}
        onInput={(event) => onChange(event.currentTarget.value)}
      />
      {hint ? <span class="field-hint">{hint}</span> : null}
      <FieldError errors={errors} path={name} />
    </label>
  );
}
