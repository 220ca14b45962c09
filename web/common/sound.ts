/** A short, soft chime made with Web Audio: no sound files to ship. */

let context: AudioContext | null = null;

function audio(): AudioContext | null {
  if (context !== null) return context;
  const Ctor = typeof window === "undefined" ? undefined : window.AudioContext;
  if (Ctor === undefined) return null;
  try {
    context = new Ctor();
  } catch {
    context = null;
  }
  return context;
}

/**
 * Browsers start Web Audio only after a click or a key; a chime that first plays while
 * the page is in the background would stay silent. The first gesture on the page
 * starts it, so later chimes play even when the console is not in front.
 */
export function unlockSoundOnFirstGesture(): void {
  if (typeof window === "undefined") return;
  const unlock = () => {
    const ctx = audio();
    if (ctx !== null && ctx.state === "suspended") void ctx.resume();
    window.removeEventListener("pointerdown", unlock, true);
    window.removeEventListener("keydown", unlock, true);
  };
  window.addEventListener("pointerdown", unlock, true);
  window.addEventListener("keydown", unlock, true);
}

/** Play a chime; `kind` "alert" is two notes (a new request), "message" one. */
export function chime(kind: "alert" | "message"): void {
  const ctx = audio();
  if (ctx === null) return;
  try {
    if (ctx.state === "suspended") void ctx.resume();
    const notes = kind === "alert" ? [880, 1175] : [660];
    notes.forEach((frequency, i) => {
      const start = ctx.currentTime + i * 0.16;
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = "sine";
      osc.frequency.value = frequency;
      gain.gain.setValueAtTime(0.0001, start);
      gain.gain.exponentialRampToValueAtTime(0.15, start + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.3);
      osc.connect(gain).connect(ctx.destination);
      osc.start(start);
      osc.stop(start + 0.32);
    });
  } catch {
    /* sound is a nicety */
  }
}
