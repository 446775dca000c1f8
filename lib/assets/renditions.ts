/** A video asset's HLS renditions, as stored in `Asset.renditions` (jsonb). Pure. */
export type RenditionRecord = {
  name: string;
  width: number;
  height: number;
  bandwidth: number;
  playlist?: string;
};

/** Reads `Asset.renditions` defensively: anything malformed yields no renditions. */
export function parseRenditions(value: unknown): RenditionRecord[] {
  if (!Array.isArray(value)) return [];
  return value
    .filter((r): r is Record<string, unknown> => typeof r === "object" && r !== null && typeof (r as { name?: unknown }).name === "string")
    .map((r) => ({
      name: String(r.name),
      width: Number(r.width) || 0,
      height: Number(r.height) || 0,
      bandwidth: Number(r.bandwidth) || 0,
      ...(typeof r.playlist === "string" ? { playlist: r.playlist } : {}),
    }));
}
