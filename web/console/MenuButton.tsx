/**
 * A menu button as WAI-ARIA's "Menu Button" pattern describes it: a button that opens
 * a role="menu" of grouped role="menuitem"s. Enter, Space or Down opens it on the first
 * item (Up on the last); in the menu, Up and Down move (and wrap), Home and End jump,
 * a letter moves to the next item starting with it, Enter or Space chooses, Escape
 * closes and gives focus back to the button, Tab closes. An item that cannot be used
 * now stays in the menu, focusable and aria-disabled, with its reason as its
 * description, so people learn why rather than wonder where it went. An item may open
 * a submenu in place (Right, Enter or Space; Left or Escape goes back to it).
 */

import { Fragment } from "preact";
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";

export interface MenuItem {
  /** Unique in the menu; also its data-testid suffix. */
  id: string;
  label: string;
  /** Why it cannot be used now; null when it can. */
  disabledReason: string | null;
  /** The item opens a dialog (its label ends with "…"). */
  dialog?: boolean;
  onSelect: () => void;
  /** Items of a submenu this item opens instead of acting. */
  submenu?: MenuItem[];
}

export interface MenuGroup {
  label: string;
  items: MenuItem[];
}

interface MenuButtonProps {
  id: string;
  label: string;
  groups: MenuGroup[];
  disabled?: boolean;
}

export function MenuButton({ id, label, groups, disabled }: MenuButtonProps) {
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLDivElement>(null);
  // Which item to focus once the menu is on screen: first, last, or none yet.
  const [start, setStart] = useState<"first" | "last">("first");
  // The item whose submenu is open.
  const [sub, setSub] = useState<string | null>(null);
  const items = groups.flatMap((g) => g.items);

  // The top level's items only: a submenu's are its own.
  const elements = (): HTMLElement[] =>
    Array.from(menu.current?.querySelectorAll<HTMLElement>(".menu__group > [role=menuitem]") ?? []);
  const focusAt = (index: number) => {
    const list = elements();
    if (list.length === 0) return;
    list[(index + list.length) % list.length]?.focus();
  };
  const close = (refocus: boolean) => {
    setOpen(false);
    setSub(null);
    if (refocus) button.current?.focus();
  };
  const openAt = (where: "first" | "last") => {
    setStart(where);
    setOpen(true);
  };

  // Focus moves in the same task as the menu appears, so nothing can focus an item
  // in between and have focus taken away.
  useLayoutEffect(() => {
    if (open) focusAt(start === "first" ? 0 : -1);
  }, [open]);

  useEffect(() => {
    if (!open) return;
    const outside = (e: MouseEvent) => {
      const target = e.target;
      if (target instanceof Node && !menu.current?.contains(target) && !button.current?.contains(target)) {
        setOpen(false);
      }
    };
    document.addEventListener("mousedown", outside);
    return () => document.removeEventListener("mousedown", outside);
  }, [open]);

  const choose = (item: MenuItem) => {
    if (item.disabledReason !== null) return;
    if (item.submenu !== undefined) {
      setSub(item.id);
      return;
    }
    // Focus is on the button before the item runs, so a dialog it opens returns there.
    close(true);
    item.onSelect();
  };

  const onMenuKey = (e: KeyboardEvent) => {
    const list = elements();
    const here = list.findIndex((el) => el === document.activeElement);
    switch (e.key) {
      case "ArrowDown":
        focusAt(here + 1);
        break;
      case "ArrowUp":
        focusAt(here - 1);
        break;
      case "Home":
        focusAt(0);
        break;
      case "End":
        focusAt(-1);
        break;
      case "Escape":
        close(true);
        break;
      case "Tab":
        close(false);
        return; // Tab moves on as usual
      case "ArrowRight": {
        const item = items[here];
        if (item !== undefined && item.submenu !== undefined) choose(item);
        break;
      }
      default:
        if (e.key.length === 1 && /\S/.test(e.key)) {
          const letter = e.key.toLocaleLowerCase();
          const next = [...items.slice(here + 1), ...items.slice(0, here + 1)].find((item) =>
            item.label.toLocaleLowerCase().startsWith(letter),
          );
          if (next !== undefined) focusAt(items.indexOf(next));
          break;
        }
        return;
    }
    e.preventDefault();
    e.stopPropagation();
  };

  const menuId = `${id}-menu`;
  return (
    <span class="menu-button">
      <button
        ref={button}
        id={id}
        type="button"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        disabled={disabled}
        onClick={() => (open ? close(false) : openAt("first"))}
        onKeyDown={(e) => {
          if (e.key === "ArrowDown" || e.key === "Enter" || e.key === " ") {
            e.preventDefault();
            openAt("first");
          } else if (e.key === "ArrowUp") {
            e.preventDefault();
            openAt("last");
          }
        }}
      >
        {label} <span aria-hidden="true">▾</span>
      </button>
      {open ? (
        <div ref={menu} id={menuId} class="menu" role="menu" aria-labelledby={id} onKeyDown={onMenuKey}>
          {groups.map((group) => (
            <div key={group.label} class="menu__group" role="group" aria-label={group.label}>
              <div class="menu__heading" aria-hidden="true">
                {group.label}
              </div>
              {group.items.map((item) => (
                <Fragment key={item.id}>
                  <Entry menuId={id} item={item} onChoose={choose} expanded={sub === item.id} />
                  {sub === item.id && item.submenu !== undefined ? (
                    <Submenu
                      menuId={id}
                      parent={item}
                      onChoose={choose}
                      onBack={() => {
                        setSub(null);
                        document.querySelector<HTMLElement>(`[data-testid="menu-${item.id}"]`)?.focus();
                      }}
                    />
                  ) : null}
                </Fragment>
              ))}
            </div>
          ))}
        </div>
      ) : null}
    </span>
  );
}

function Entry({
  menuId,
  item,
  onChoose,
  expanded,
}: {
  menuId: string;
  item: MenuItem;
  onChoose: (item: MenuItem) => void;
  expanded: boolean;
}) {
  const reasonId = `${menuId}-${item.id}-reason`;
  const off = item.disabledReason !== null;
  const parent = item.submenu !== undefined;
  return (
    <button
      type="button"
      role="menuitem"
      tabIndex={-1}
      class="menu__item"
      data-testid={`menu-${item.id}`}
      aria-disabled={off ? "true" : undefined}
      aria-describedby={off ? reasonId : undefined}
      aria-haspopup={parent ? "menu" : item.dialog ? "dialog" : undefined}
      aria-expanded={parent ? expanded : undefined}
      onClick={() => onChoose(item)}
    >
      {/* The name is the label's text alone; the reason, seen under it, is read as the
          item's description instead, so it stays out of the name. */}
      <span class="menu__label">
        {item.label}
        {parent ? (
          <span class="menu__arrow" aria-hidden="true">
            {" "}
            {expanded ? "▾" : "▸"}
          </span>
        ) : null}
      </span>
      {off ? (
        <span id={reasonId} class="menu__reason" aria-hidden="true">
          {item.disabledReason}
        </span>
      ) : null}
    </button>
  );
}

/** A submenu, shown in place under its item so the menu's scrolling never clips it. */
function Submenu({
  menuId,
  parent,
  onChoose,
  onBack,
}: {
  menuId: string;
  parent: MenuItem;
  onChoose: (item: MenuItem) => void;
  onBack: () => void;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const list = (): HTMLElement[] => Array.from(ref.current?.querySelectorAll<HTMLElement>("[role=menuitem]") ?? []);
  const focusAt = (index: number) => {
    const all = list();
    if (all.length > 0) all[(index + all.length) % all.length]?.focus();
  };
  useLayoutEffect(() => focusAt(0), []);
  const onKey = (e: KeyboardEvent) => {
    const here = list().findIndex((el) => el === document.activeElement);
    const moves: Record<string, () => void> = {
      ArrowDown: () => focusAt(here + 1),
      ArrowUp: () => focusAt(here - 1),
      Home: () => focusAt(0),
      End: () => focusAt(-1),
      ArrowLeft: onBack,
      Escape: onBack,
    };
    const move = moves[e.key];
    if (move === undefined) return; // Tab and Enter go on to the menu and the item
    e.preventDefault();
    e.stopPropagation();
    move();
  };
  return (
    <div ref={ref} class="menu__sub" role="menu" aria-label={parent.label.replace(/…$/, "")} onKeyDown={onKey}>
      {(parent.submenu ?? []).map((item) => (
        <Entry key={item.id} menuId={menuId} item={item} onChoose={onChoose} expanded={false} />
      ))}
    </div>
  );
}
