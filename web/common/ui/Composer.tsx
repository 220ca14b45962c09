import { useRef, useState } from "preact/hooks";
import { useText } from "../i18n/text";

export const MAX_MESSAGE_CHARS = 4000;

interface ComposerProps {
  /** Accessible label of the text box, e.g. "Message". */
  label: string;
  id: string;
  value: string;
  onInput: (text: string) => void;
  /** Called with the text to send; the composer clears itself. */
  onSend: (text: string) => void;
  disabled?: boolean;
  disabledReason?: string;
  spellCheck?: boolean;
  fontSize?: number;
  placeholder?: string;
  sendLabel?: string;
  rows?: number;
  /** Files dropped on the text box (file transfer); without it, drops are the browser's. */
  onFiles?: (files: File[]) => void;
}

function carriesFiles(e: DragEvent): boolean {
  return e.dataTransfer !== null && Array.from(e.dataTransfer.types).includes("Files");
}

/** A text box where Enter sends and Shift+Enter starts a new line, with a Send button. */
export function Composer(props: ComposerProps) {
  const { t } = useText();
  const [error, setError] = useState<string | null>(null);
  const [dropping, setDropping] = useState(false);
  const box = useRef<HTMLTextAreaElement>(null);
  const errorId = `${props.id}-error`;

  const submit = () => {
    const text = props.value;
    if (props.disabled) return;
    if (text.trim() === "") return;
    if (text.length > MAX_MESSAGE_CHARS) {
      setError(t("ui.messageTooLong", { max: String(MAX_MESSAGE_CHARS), count: String(text.length) }));
      return;
    }
    setError(null);
    props.onSend(text);
    props.onInput("");
    box.current?.focus();
  };

  return (
    <form
      class="composer"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <label for={props.id} class="visually-hidden">
        {props.label}
      </label>
      <textarea
        ref={box}
        id={props.id}
        class={dropping ? "composer__input composer__input--drop" : "composer__input"}
        rows={props.rows ?? 3}
        value={props.value}
        placeholder={props.placeholder}
        disabled={props.disabled}
        spellcheck={props.spellCheck ?? true}
        aria-describedby={error !== null ? errorId : undefined}
        aria-invalid={error !== null ? true : undefined}
        style={props.fontSize !== undefined ? { fontSize: `${props.fontSize}px` } : undefined}
        onInput={(e) => {
          props.onInput(e.currentTarget.value);
          if (error !== null && e.currentTarget.value.length <= MAX_MESSAGE_CHARS) setError(null);
        }}
        onDragOver={(e) => {
          if (props.onFiles === undefined || props.disabled || !carriesFiles(e)) return;
          e.preventDefault();
          if (e.dataTransfer !== null) e.dataTransfer.dropEffect = "copy";
          if (!dropping) setDropping(true);
        }}
        onDragLeave={() => setDropping(false)}
        onDrop={(e) => {
          setDropping(false);
          const onFiles = props.onFiles;
          if (onFiles === undefined || props.disabled || !carriesFiles(e)) return;
          e.preventDefault();
          const files = Array.from(e.dataTransfer?.files ?? []);
          if (files.length > 0) onFiles(files);
        }}
        onKeyDown={(e) => {
          if (e.key === "Enter" && !e.shiftKey && !e.isComposing && !e.altKey && !e.ctrlKey && !e.metaKey) {
            e.preventDefault();
            submit();
          }
        }}
      />
      <button type="submit" class="primary composer__send" disabled={props.disabled || props.value.trim() === ""}>
        {props.sendLabel ?? t("ui.send")}
      </button>
      {error !== null ? (
        <p id={errorId} class="form-error composer__error" role="alert">
          {error}
        </p>
      ) : null}
      {props.disabled && props.disabledReason ? <p class="composer__hint">{props.disabledReason}</p> : null}
    </form>
  );
}
