/** Small line icons; decorative (the buttons carry the names). */

export function MessageIcon() {
  return (
    <svg class="icon" width="18" height="18" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path
        d="M4 5h16v10H9l-5 4z"
        fill="none"
        stroke="currentColor"
        stroke-width="2"
        stroke-linejoin="round"
      />
      <path d="M8 9h8M8 12h5" stroke="currentColor" stroke-width="2" stroke-linecap="round" />
    </svg>
  );
}

export function LinkIcon() {
  return (
    <svg class="icon" width="18" height="18" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path
        d="M10 14a4 4 0 0 0 5.7 0l3-3a4 4 0 0 0-5.7-5.7l-1.2 1.2M14 10a4 4 0 0 0-5.7 0l-3 3a4 4 0 0 0 5.7 5.7l1.2-1.2"
        fill="none"
        stroke="currentColor"
        stroke-width="2"
        stroke-linecap="round"
      />
    </svg>
  );
}

/** A half-covered face: a masked representative. */
export function MaskIcon() {
  return (
    <svg class="icon" width="16" height="16" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path
        d="M3 8c3-2 15-2 18 0 0 5-3 9-6 9-1.5 0-2-1.5-3-1.5S10.5 17 9 17c-3 0-6-4-6-9z"
        fill="currentColor"
      />
      <circle cx="8.5" cy="10.5" r="1.6" fill="var(--surface)" />
      <circle cx="15.5" cy="10.5" r="1.6" fill="var(--surface)" />
    </svg>
  );
}
