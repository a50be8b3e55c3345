import Link from "next/link";
import { cardClasses, mutedTextClasses, textLinkClasses } from "@/components/ui/styles";

export function CreditsCard({ credits }: { credits: number }) {
  return (
    <section aria-labelledby="credits-heading" className={`${cardClasses} flex flex-col gap-4 p-6`}>
      <h2 id="credits-heading" className="text-lg font-semibold tracking-tight">
        Credits
      </h2>
      <p className="flex items-baseline gap-2">
        <span data-testid="credits-balance" className="text-4xl font-semibold tracking-tight tabular-nums">
          {credits}
        </span>
        <span className={`text-sm ${mutedTextClasses}`}>available</span>
      </p>
      <p className={`text-sm ${mutedTextClasses}`}>
        <Link href="/pricing" className={textLinkClasses}>
          Buy more credits
        </Link>
      </p>
    </section>
  );
}
