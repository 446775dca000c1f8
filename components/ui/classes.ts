/** Shared class names of form controls (plain strings: usable from server and client components). */
export const labelClass = "block text-sm font-medium text-slate-700";
export const hintClass = "text-xs text-slate-500";

export const inputClass =
  "block w-full rounded-lg border-0 px-3 py-2 text-slate-900 shadow-sm ring-1 ring-inset ring-slate-300 placeholder:text-slate-400 focus:ring-2 focus:ring-inset focus:ring-brand-600 sm:text-sm";
