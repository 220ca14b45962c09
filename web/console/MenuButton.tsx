/**
 * A menu button as WAI-ARIA's "Menu Button" pattern describes it: a button that opens
 * a role="menu" of grouped role="menuitem"s. Enter, Space or Down opens it on the first
 * item (Up on the last); in the menu, Up and Down move (and wrap), Home and End jump,
 * a letter moves to the next item starting with it, Enter or Space chooses, Escape
 * closes and gives focus back to the button, Tab closes. An item that cannot be used
 * now stays in the menu, focusable and aria-disabled, with its reason as its
 * description, so people learn why rather than wonder where it went.
 */

import { useEffect, useRef, useState } from "preact/hooks";

export interface MenuItem {
  /** Unique in the menu; also its data-testid suffix. */
  id: string;
  label: string;
  /** Why it cannot be used now; null when it can. */
  disabledReason: string | null;
  /** The item opens a dialog (its label ends with "…"). */
  dialog?: boolean;
  onSelect: () => void;
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
  const items = groups.flatMap((g) => g.items);

  const elements = (): HTMLElement[] =>
    Array.from(menu.current?.querySelectorAll<HTMLElement>("[role=menuitem]") ?? []);
  const focusAt = (index: number) => {
    const list = elements();
    if (list.length === 0) return;
    list[(index + list.length) % list.length]?.focus();
  };
  const close = (refocus: boolean) => {
    setOpen(false);
    if (refocus) button.current?.focus();
  };
  const openAt = (where: "first" | "last") => {
    setStart(where);
    setOpen(true);
  };

  useEffect(() => {
    if (!open) return;
    focusAt(start === "first" ? 0 : -1);
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
              {group.items.map((item) => {
                const reasonId = `${id}-${item.id}-reason`;
                const off = item.disabledReason !== null;
                return (
                  <button
                    key={item.id}
                    type="button"
                    role="menuitem"
                    tabIndex={-1}
                    class="menu__item"
                    data-testid={`menu-${item.id}`}
                    aria-label={item.label}
                    aria-disabled={off ? "true" : undefined}
                    aria-describedby={off ? reasonId : undefined}
                    aria-haspopup={item.dialog ? "dialog" : undefined}
                    onClick={() => choose(item)}
                  >
                    <span class="menu__label" aria-hidden="true">
                      {item.label}
                    </span>
                    {off ? (
                      <span id={reasonId} class="menu__reason">
                        {item.disabledReason}
                      </span>
                    ) : null}
                  </button>
                );
              })}
            </div>
          ))}
        </div>
      ) : null}
    </span>
  );
}
