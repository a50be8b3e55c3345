const TONES: Record<string, string> = {
  applied: "bg-emerald-100 text-emerald-900 dark:bg-emerald-950 dark:text-emerald-200",
  complete: "bg-emerald-100 text-emerald-900 dark:bg-emerald-950 dark:text-emerald-200",
  active: "bg-emerald-100 text-emerald-900 dark:bg-emerald-950 dark:text-emerald-200",
  paid: "bg-emerald-100 text-emerald-900 dark:bg-emerald-950 dark:text-emerald-200",
  failed: "bg-red-100 text-red-900 dark:bg-red-950 dark:text-red-200",
  received: "bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-200",
  pending: "bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-200",
  open: "bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-200",
  processing: "bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-200",
};
const NEUTRAL = "bg-zinc-100 text-zinc-800 dark:bg-zinc-800 dark:text-zinc-200";

/** A status word with a colour; the word itself carries the meaning. */
export function AdminStatusBadge({ status }: { status: string }) {
  return <span className={`inline-block rounded-full px-2 py-0.5 text-xs font-medium ${TONES[status] ?? NEUTRAL}`}>{status}</span>;
}
