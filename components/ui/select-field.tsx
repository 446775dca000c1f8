import { inputClass, labelClass } from "./classes";

/**
 * A labelled <select> for GET filter forms (the catalogue, the access log): the first option
 * usually means "any". `hideLabel` keeps the label for screen readers only.
 */
export function SelectField({
  id,
  name,
  label,
  value,
  options,
  hideLabel = false,
  selectClassName = "",
}: {
  id?: string;
  name: string;
  label: string;
  value?: string;
  options: [value: string, text: string][];
  hideLabel?: boolean;
  selectClassName?: string;
}) {
  const selectId = id ?? name;
  return (
    <div className={hideLabel ? undefined : "space-y-1"}>
      <label htmlFor={selectId} className={hideLabel ? "sr-only" : labelClass}>
        {label}
      </label>
      <select id={selectId} name={name} defaultValue={value ?? ""} className={`${inputClass} ${selectClassName}`.trim()}>
        {options.map(([v, text]) => (
          <option key={v} value={v}>
            {text}
          </option>
        ))}
      </select>
    </div>
  );
}
