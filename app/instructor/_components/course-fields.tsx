import { Field, inputClass } from "@/components/ui";
import { priceInputValue } from "@/lib/format";

export interface CourseDefaults {
  title: string;
  slug: string;
  summary: string;
  description: string;
  isFree: boolean;
  priceCents: number | null;
}

/** A text area described by its field's hint. */
function TextArea({ name, rows, defaultValue, placeholder }: { name: string; rows: number; defaultValue?: string; placeholder: string }) {
  return <textarea id={name} name={name} rows={rows} defaultValue={defaultValue} aria-describedby={`${name}-hint`} className={inputClass} placeholder={placeholder} />;
}

/**
 * The fields of the course form (create and edit). Put them inside an <ActionForm> whose
 * className contains `group`: the price field hides while "Free course" is ticked (CSS only),
 * unless it carries an error.
 */
export function CourseFields({ course }: { course?: CourseDefaults }) {
  return (
    <>
      <Field label="Title" name="title">
        <input id="title" name="title" defaultValue={course?.title} autoComplete="off" className={inputClass} placeholder="Introduction to SQL" />
      </Field>

      <Field label="URL slug" name="slug" hint={
        <>
          Lowercase letters, digits and single dashes, e.g. <code>intro-to-sql</code>. It is the course&apos;s web address: changing it breaks old links.
        </>
      }>
        <div className="flex rounded-lg shadow-sm">
          <span className="inline-flex items-center rounded-l-lg bg-slate-50 px-3 text-sm text-slate-500 ring-1 ring-inset ring-slate-300">/courses/</span>
          <input
            id="slug"
            name="slug"
            defaultValue={course?.slug}
            autoComplete="off"
            spellCheck={false}
            aria-describedby="slug-hint"
            className={`${inputClass} rounded-l-none`}
            placeholder="intro-to-sql"
          />
        </div>
      </Field>

      <Field label="Summary" name="summary" hint="Shown on course cards in the catalogue (10–300 characters).">
        <TextArea name="summary" rows={2} defaultValue={course?.summary} placeholder="One or two sentences shown in the catalogue." />
      </Field>

      <Field label="Description" name="description" hint="Shown on the course page. Plain text; line breaks are kept.">
        <TextArea
          name="description"
          rows={8}
          defaultValue={course?.description}
          placeholder="What students will learn, who the course is for, what they need beforehand…"
        />
      </Field>

      <Field label="Free course" name="isFree" inline hint="Any signed-in student can enrol. Paid courses are opened with an access code or a grant.">
        <input
          id="isFree"
          name="isFree"
          type="checkbox"
          defaultChecked={course?.isFree ?? false}
          aria-describedby="isFree-hint"
          className="mt-0.5 h-4 w-4 rounded border-slate-300 text-brand-600 focus:ring-brand-600"
        />
      </Field>

      <Field
        label="Price (USD)"
        name="price"
        className="space-y-1 group-has-[#isFree:checked]:not-has-[[data-field-error]]:hidden"
        testId="price-field"
        hint={<>Shown on the course page. Leave empty to show the course as &ldquo;Paid&rdquo; without a price.</>}
      >
        <div className="relative max-w-48">
          <span className="pointer-events-none absolute inset-y-0 left-0 flex items-center pl-3 text-sm text-slate-500">$</span>
          <input
            id="price"
            name="price"
            inputMode="decimal"
            autoComplete="off"
            defaultValue={priceInputValue(course?.priceCents ?? null)}
            aria-describedby="price-hint"
            className={`${inputClass} pl-7`}
            placeholder="49.00"
          />
        </div>
      </Field>
    </>
  );
}
