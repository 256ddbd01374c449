/**
 * Form controls beside `Field` (action.tsx) for a closed set of values: a labelled `<select>`
 * and a labelled checkbox, each with its error beside it (linked by `aria-describedby`), so a
 * form that re-renders after bad input says what was wrong where it was typed.
 */

export interface Choice {
  readonly value: string;
  readonly label: string;
}

function FieldError(props: { id: string; error?: string | undefined }) {
  return props.error ? (
    <p class="field-error" id={props.id}>
      {props.error}
    </p>
  ) : null;
}

/** A labelled `<select>`; `value` picks the selected option (none when it matches no option). */
export function SelectField(props: {
  name: string;
  label: string;
  choices: readonly Choice[];
  value?: string | undefined;
  error?: string | undefined;
}) {
  const errorId = `${props.name}-error`;
  // A label beside the select, not around it: wrapped, its name would include the chosen option.
  const id = `${props.name}-input`;
  return (
    <div class="field">
      <label for={id}>{props.label}</label>{' '}
      <select
        id={id}
        name={props.name}
        aria-invalid={props.error ? 'true' : undefined}
        aria-describedby={props.error ? errorId : undefined}
      >
        {props.choices.map((choice) => (
          <option value={choice.value} selected={choice.value === props.value}>
            {choice.label}
          </option>
        ))}
      </select>
      <FieldError id={errorId} error={props.error} />
    </div>
  );
}

/** A labelled checkbox that posts `on` when ticked and nothing when not (as browsers do). */
export function CheckboxField(props: {
  name: string;
  label: string;
  checked: boolean;
  error?: string | undefined;
}) {
  const errorId = `${props.name}-error`;
  return (
    <div class="field">
      <label>
        <input
          type="checkbox"
          name={props.name}
          value="on"
          checked={props.checked}
          aria-invalid={props.error ? 'true' : undefined}
          aria-describedby={props.error ? errorId : undefined}
        />{' '}
        {props.label}
      </label>
      <FieldError id={errorId} error={props.error} />
    </div>
  );
}
