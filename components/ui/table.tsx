import type { ReactNode } from "react";
import { Card } from "./index";

/** The class of a table cell (`<td>`) in a DataTable. */
export const cellClass = "px-4 py-3 align-top text-sm";
const headClass = "px-4 py-3 text-left text-xs font-semibold uppercase tracking-wide text-slate-500";

/**
 * A table in a card: a caption (for screen readers only, unless `showCaption`), a header row
 * (an empty column name is an actions column, labelled for screen readers) and the rows.
 */
export function DataTable({
  caption,
  showCaption = false,
  columns,
  testId,
  children,
}: {
  caption: ReactNode;
  showCaption?: boolean;
  columns: string[];
  testId?: string;
  children: ReactNode;
}) {
  return (
    <Card className="overflow-x-auto">
      <table className="min-w-full divide-y divide-slate-200" data-testid={testId}>
        <caption className={showCaption ? "px-4 pt-3 text-left text-sm font-semibold text-slate-900" : "sr-only"}>{caption}</caption>
        <thead className="bg-slate-50">
          <tr>
            {columns.map((c, i) => (
              <th key={i} scope="col" className={headClass}>
                {c || <span className="sr-only">Actions</span>}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">{children}</tbody>
      </table>
    </Card>
  );
}
