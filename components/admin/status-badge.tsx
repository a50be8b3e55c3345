const GOOD = "bg-emerald-100 text-emerald-900 dark:bg-emerald-950 dark:text-emerald-200";
const BAD = "bg-red-100 text-red-900 dark:bg-red-950 dark:text-red-200";
const WAITING = "bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-200";
// Needs a person: held for review, money moving back, a dispute.
const ATTENTION = "bg-orange-100 text-orange-900 ring-1 ring-orange-300 dark:bg-orange-950 dark:text-orange-200 dark:ring-orange-800";

const TONES: Record<string, string> = {
  applied: GOOD,
  complete: GOOD,
  active: GOOD,
  paid: GOOD,
  won: GOOD,
  granted: GOOD,
  failed: BAD,
  lost: BAD,
  "dispute lost": BAD,
  received: WAITING,
  pending: WAITING,
  open: WAITING,
  processing: WAITING,
  held: ATTENTION,
  "marked for refund": ATTENTION,
  refunded: ATTENTION,
  partially_refunded: ATTENTION,
  disputed: ATTENTION,
  "dispute open": ATTENTION,
  "credits shortfall": ATTENTION,
  past_due: WAITING,
  unpaid: BAD,
};
const NEUTRAL = "bg-zinc-100 text-zinc-800 dark:bg-zinc-800 dark:text-zinc-200";

/** A status word with a colour; the word itself carries the meaning. */
export function AdminStatusBadge({ status }: { status: string }) {
  return <span className={`inline-block rounded-full px-2 py-0.5 text-xs font-medium ${TONES[status] ?? NEUTRAL}`}>{status}</span>;
}
