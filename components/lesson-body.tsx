/**
 * Renders a lesson body written as plain text with light markdown: blank-line
 * paragraphs, "## " headings, "- " lists and `code`. Text is never injected as HTML.
 */
function inline(text: string, key: string) {
  return text.split(/(`[^`]+`)/g).map((part, i) =>
    part.startsWith("`") && part.endsWith("`") && part.length > 1 ? <code key={`${key}-${i}`}>{part.slice(1, -1)}</code> : part,
  );
}

export function LessonBody({ text }: { text: string }) {
  const blocks = text.replace(/\r\n/g, "\n").split(/\n{2,}/).filter((b) => b.trim());
  if (blocks.length === 0) return <p className="text-slate-500">This lesson has no written notes.</p>;
  return (
    <div className="prose-lesson text-slate-800" data-testid="lesson-body">
      {blocks.map((block, i) => {
        const lines = block.split("\n");
        if (block.startsWith("## ")) return <h2 key={i}>{inline(block.slice(3), `h${i}`)}</h2>;
        if (lines.every((l) => l.startsWith("- "))) {
          return (
            <ul key={i}>
              {lines.map((l, j) => (
                <li key={j}>{inline(l.slice(2), `l${i}-${j}`)}</li>
              ))}
            </ul>
          );
        }
        return <p key={i}>{inline(block, `p${i}`)}</p>;
      })}
    </div>
  );
}
