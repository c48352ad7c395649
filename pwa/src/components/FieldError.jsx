/**
 * The messages for one field: `errors` maps a dotted field path ("figures.deaths") to a list of messages, the
 * shape of the server's 422 details.fields; local checks use the same shape so both read the same.
 */
export function FieldError({ errors, path }) {
  const messages = errors && path ? errors[path] : null;
  if (!messages || !messages.length) return null;
  return (
    <span class="field-error" role="alert">
      {messages.join('；')}
    </span>
  );
}
