import Link from "next/link";
import { SelectField, buttonClass, inputClass } from "@/components/ui";

/**
 * Search and filters of the catalogue as one GET form: works without JavaScript, and every
 * result page has its own URL. Values come from the page (already validated).
 */
export function CatalogueFilters({
  q,
  price,
  instructor,
  instructors,
  maxLength,
  active,
}: {
  q: string;
  price: string;
  instructor: string;
  instructors: { id: string; name: string }[];
  maxLength: number;
  active: boolean;
}) {
  return (
    <form role="search" action="/courses" method="get" className="mb-8 flex flex-col gap-3 sm:flex-row sm:items-end" data-testid="catalogue-filters">
      <div className="flex-1">
        <label htmlFor="q" className="sr-only">
          Search courses
        </label>
        <input id="q" name="q" type="search" defaultValue={q} maxLength={maxLength} placeholder="Search titles and summaries…" className={inputClass} />
      </div>
      <SelectField
        hideLabel
        selectClassName="sm:w-44"
        name="price"
        label="Price"
        value={price}
        options={[
          ["", "Free and paid"],
          ["free", "Free"],
          ["paid", "Paid"],
        ]}
      />
      <SelectField hideLabel selectClassName="sm:w-44" name="instructor" label="Instructor" value={instructor} options={[["", "Any instructor"], ...instructors.map((i): [string, string] => [i.id, i.name])]} />
      <button type="submit" className={buttonClass("primary")}>
        Search
      </button>
      {active ? (
        <Link href="/courses" className={buttonClass("ghost")}>
          Clear
        </Link>
      ) : null}
    </form>
  );
}
