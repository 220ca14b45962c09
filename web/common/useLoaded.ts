/**
 * A value read from the server whenever its inputs change: the last value read, the
 * error of the last read that failed (cleared by the next that succeeds), and whether
 * a read is under way. A read overtaken by a newer one, or by the component going
 * away, is dropped, so an old answer never replaces a newer one. Pages and panels use
 * it instead of each writing the same effect with its own "still wanted" flag.
 */

import { useEffect, useState } from "preact/hooks";
import { errorMessage } from "./api";

export interface Loaded<T> {
  value: T | null;
  error: string | null;
  busy: boolean;
}

/** ``load`` null: nothing to read (the reader may not see it, say). */
export function useLoaded<T>(load: (() => Promise<T>) | null, inputs: readonly unknown[]): Loaded<T> {
  const [value, setValue] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (load === null) return;
    let wanted = true;
    setBusy(true);
    load()
      .then((read) => {
        if (!wanted) return;
        setValue(read);
        setError(null);
      })
      .catch((err: unknown) => {
        if (wanted) setError(errorMessage(err));
      })
      .finally(() => {
        if (wanted) setBusy(false);
      });
    return () => {
      wanted = false;
    };
    // The caller's inputs decide when to read again; ``load`` is a new function each render.
  }, inputs);

  return { value, error, busy };
}
