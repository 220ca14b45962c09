/**
 * Focus after a change has been drawn: the first of the given elements that exists and
 * is enabled gets it. Used where a button moves, turns into a form or back, so the
 * keyboard stays where the person was working.
 */

export function focusLater(...ids: string[]): void {
  requestAnimationFrame(() => {
    for (const id of ids) {
      const el = document.getElementById(id);
      const disabled = el instanceof HTMLButtonElement || el instanceof HTMLInputElement ? el.disabled : false;
      if (el instanceof HTMLElement && !disabled) {
        el.focus();
        return;
      }
    }
  });
}
