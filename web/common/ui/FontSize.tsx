import { useText } from "../i18n/text";

export const FONT_SIZES = [10, 12, 13, 14, 16, 18, 20, 22, 24, 28, 32];

/** A labelled "Font size" select (10 to 32 pixels). */
export function FontSizeSelect({
  value,
  onChange,
  id,
  label,
}: {
  value: number;
  onChange: (size: number) => void;
  id: string;
  label?: string;
}) {
  const { t } = useText();
  const sizes = FONT_SIZES.includes(value) ? FONT_SIZES : [...FONT_SIZES, value].sort((a, b) => a - b);
  return (
    <span class="inline-field">
      <label for={id}>{label ?? t("ui.fontSize")}</label>
      <select
        id={id}
        value={String(value)}
        onChange={(e) => onChange(Number.parseInt(e.currentTarget.value, 10))}
      >
        {sizes.map((size) => (
          <option key={size} value={String(size)}>
            {t("ui.fontSizeOption", { size: String(size) })}
          </option>
        ))}
      </select>
    </span>
  );
}
