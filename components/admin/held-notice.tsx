import Link from "next/link";
import { textLinkClasses } from "@/components/ui/styles";

/** Held checkouts are paid but not stuck: they wait for an admin, on their own page. */
export function HeldNotice({ count }: { count: number }) {
  if (count === 0) return null;
  return (
    <p
      role="status"
      data-testid="held-notice"
      className="rounded-lg border border-orange-300 bg-orange-50 px-4 py-3 text-sm text-orange-900 dark:border-orange-800 dark:bg-orange-950 dark:text-orange-100"
    >
      {count === 1 ? "1 paid checkout is" : `${count} paid checkouts are`} held for review (the provider reported an amount or currency we did not price).{" "}
      <Link href="/admin/held" className={textLinkClasses}>
        Review {count === 1 ? "it" : "them"}
      </Link>
    </p>
  );
}
