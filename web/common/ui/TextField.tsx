/**
 * One labelled text field for the forms and dialogs of both apps: the label tied to its
 * input or text area, an optional hint and error under it, both read out with the field
 * (aria-describedby), and an error marks the field invalid. One component, so a label,
 * a hint or an error looks and reads the same in every form.
 */

import type { ComponentChildren, InputHTMLAttributes, TextareaHTMLAttributes } from "preact";

/** What TextField sets itself; the rest of an input's or text area's attributes pass through. */
type Owned = "id" | "value" | "onInput" | "class" | "className" | "label" | "aria-describedby" | "aria-invalid";

interface FieldProps {
  id: string;
  label: ComponentChildren;
  value: string;
  onValue: (value: string) => void;
  /** A line under the field that says more (limits, a count, who sets it). */
  hint?: ComponentChildren;
  /** The hint's class; "muted" unless given. */
  hintClass?: string;
  /** Shown under the field as an alert; the field is marked invalid while there is one. */
  error?: string | null;
  /** The wrapper's class: "field" (label above) unless given, "inline-field" beside. */
  class?: string;
  /** The input's or text area's own class. */
  inputClass?: string;
}

export type TextFieldProps =
  | (FieldProps & { multiline?: false } & Omit<InputHTMLAttributes<HTMLInputElement>, Owned>)
  | (FieldProps & { multiline: true } & Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, Owned>);

export function TextField(props: TextFieldProps) {
  const { id, label, value, hint, hintClass = "muted", error = null, class: wrapper = "field", inputClass } = props;
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [hint !== undefined ? hintId : null, error !== null ? errorId : null].filter((x) => x !== null);
  const own = {
    id,
    value,
    class: inputClass,
    "aria-describedby": describedBy.length > 0 ? describedBy.join(" ") : undefined,
    "aria-invalid": error !== null ? ("true" as const) : undefined,
  };
  // Each branch drops TextField's own props so only the element's attributes remain.
  let control;
  if (props.multiline === true) {
    const { onValue, id: _, label: _l, value: _v, hint: _h, hintClass: _hc, error: _e, ...rest } = props;
    const { class: _c, inputClass: _ic, multiline: _m, ...attributes } = rest;
    control = <textarea {...attributes} {...own} onInput={(e) => onValue(e.currentTarget.value)} />;
  } else {
    const { onValue, id: _, label: _l, value: _v, hint: _h, hintClass: _hc, error: _e, ...rest } = props;
    const { class: _c, inputClass: _ic, multiline: _m, ...attributes } = rest;
    control = <input {...attributes} {...own} onInput={(e) => onValue(e.currentTarget.value)} />;
  }
  return (
    <div class={wrapper}>
      <label for={id}>{label}</label>
      {control}
      {hint !== undefined ? (
        <span id={hintId} class={hintClass}>
          {hint}
        </span>
      ) : null}
      {error !== null ? (
        <p id={errorId} class="form-error" role="alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}
