/**
 * Lists a person puts in order with Up and Down buttons: the Library's categories and
 * the scripts in each. The hook shows the new order at once, saves it, and then keeps
 * the keyboard on the moved item's button (the other one when it reached an edge), so
 * pressing Up again moves it again.
 */

import { useState } from "preact/hooks";
import { moveItem } from "../common/scripts";
import { focusLater } from "./focus";

export type Direction = "up" | "down";

/** The id of an item's Up or Down button, from the item's id prefix (e.g. "cat-12"). */
export function moveButtonId(idPrefix: string, direction: Direction): string {
  return `${idPrefix}-${direction}`;
}

export interface ReorderableList<T> {
  /** The items in the order to show: the saved order, or the one just asked for. */
  items: readonly T[];
  /** Move the item at `index` by `step` (-1 up, +1 down); nothing at the edges. */
  move: (index: number, step: number) => void;
}

export interface ReorderOptions<T> {
  /** Save the new order; it reports its own errors and settles when done. */
  save: (ordered: T[]) => Promise<unknown>;
  /** The id prefix of the item's move buttons (see MoveButtons). */
  idPrefix: (item: T) => string;
}

/**
 * `items` as the person orders them. A new `items` (the list read again after a save)
 * replaces the order asked for, so the server's order always wins in the end.
 */
export function useReorderableList<T>(items: readonly T[], { save, idPrefix }: ReorderOptions<T>): ReorderableList<T> {
  const [asked, setAsked] = useState<{ from: readonly T[]; order: readonly T[] } | null>(null);
  const shown = asked !== null && sameItems(asked.from, items) ? asked.order : items;

  const move = (index: number, step: number) => {
    const item = shown[index];
    const moved = moveItem(shown, index, step);
    if (item === undefined || moved.every((x, i) => x === shown[i])) return;
    setAsked({ from: items, order: moved });
    const prefix = idPrefix(item);
    const [same, other]: [Direction, Direction] = step < 0 ? ["up", "down"] : ["down", "up"];
    const refocus = () => focusLater(moveButtonId(prefix, same), moveButtonId(prefix, other));
    void save(moved).then(refocus, refocus);
  };

  return { items: shown, move };
}

/**
 * Whether two lists hold the same items in the same order: a parent's redraw makes a
 * new array of the same items, which must not undo the order just asked for.
 */
function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** An item's Up and Down buttons, named for it ("Move category Billing up"). */
export function MoveButtons({
  idPrefix,
  name,
  index,
  count,
  onMove,
}: {
  idPrefix: string;
  name: string;
  index: number;
  count: number;
  onMove: (step: number) => void;
}) {
  return (
    <>
      <button
        type="button"
        id={moveButtonId(idPrefix, "up")}
        aria-label={`Move ${name} up`}
        disabled={index === 0}
        onClick={() => onMove(-1)}
      >
        Up
      </button>
      <button
        type="button"
        id={moveButtonId(idPrefix, "down")}
        aria-label={`Move ${name} down`}
        disabled={index === count - 1}
        onClick={() => onMove(1)}
      >
        Down
      </button>
    </>
  );
}
