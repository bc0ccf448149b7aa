import { useId, type InputHTMLAttributes } from 'react';

type FieldProps = InputHTMLAttributes<HTMLInputElement> & { readonly label: string; readonly hint?: string };

/** A labelled input (the label is its accessible name), with an optional hint under it. */
export function Field({ label, hint, ...input }: FieldProps) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} aria-describedby={hint === undefined ? undefined : `${id}-hint`} {...input} />
      {hint !== undefined && (
        <small id={`${id}-hint`} className="hint">
          {hint}
        </small>
      )}
    </div>
  );
}

/** An error said in words, announced when it appears. */
export function ErrorText({ message }: { readonly message: string | null }) {
  return (
    <p className="error" role="alert">
      {message}
    </p>
  );
}
