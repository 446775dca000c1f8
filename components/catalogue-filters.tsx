import Link from "next/link";
import { buttonClass, inputClass } from "@/components/ui";

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
  const select = `${inputClass} sm:w-44`;
  return (
    <form role="search" action="/courses" method="get" className="mb-8 flex flex-col gap-3 sm:flex-row sm:items-end" data-testid="catalogue-filters">
      <div className="flex-1">
        <label htmlFor="q" className="sr-only">
          Search courses
        </label>
        <input id="q" name="q" type="search" defaultValue={q} maxLength={maxLength} placeholder="Search titles and summaries…" className={inputClass} />
      </div>
      <div>
        <label htmlFor="price" className="sr-only">
          Price
        </label>
        <select id="price" name="price" defaultValue={price} className={select}>
          <option value="">Free and paid</option>
          <option value="free">Free</option>
          <option value="paid">Paid</option>
        </select>
      </div>
      <div>
        <label htmlFor="instructor" className="sr-only">
          Instructor
        </label>
        <select id="instructor" name="instructor" defaultValue={instructor} className={select}>
          <option value="">Any instructor</option>
          {instructors.map((i) => (
            <option key={i.id} value={i.id}>
              {i.name}
            </option>
          ))}
        </select>
      </div>
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
