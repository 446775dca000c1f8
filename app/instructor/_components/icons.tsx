/** Small stroke icons for the instructor toolbars (decorative: buttons carry their own text). */
function Icon({ d, className = "h-4 w-4" }: { d: string; className?: string }) {
  return (
    <svg viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={2} strokeLinecap="round" strokeLinejoin="round" className={className} aria-hidden="true">
      <path d={d} />
    </svg>
  );
}

export const ArrowUpIcon = () => <Icon d="M12 19V5M5 12l7-7 7 7" />;
export const ArrowDownIcon = () => <Icon d="M12 5v14M19 12l-7 7-7-7" />;
export const TrashIcon = () => <Icon d="M3 6h18M8 6V4h8v2M19 6l-1 14H6L5 6M10 11v6M14 11v6" />;
export const PencilIcon = () => <Icon d="M12 20h9M16.5 3.5a2.1 2.1 0 0 1 3 3L7 19l-4 1 1-4Z" />;
