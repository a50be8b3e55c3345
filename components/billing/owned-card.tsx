import { cardClasses, mutedTextClasses } from "@/components/ui/styles";

/** One-time purchases (lasting grants) the user owns now. */
export function OwnedCard({ owned }: { owned: { key: string; name: string }[] }) {
  return (
    <section aria-labelledby="owned-heading" data-testid="owned" className={`${cardClasses} flex flex-col gap-4 p-6`}>
      <h2 id="owned-heading" className="text-lg font-semibold tracking-tight">
        Owned
      </h2>
      {owned.length ? (
        <ul className="flex flex-col gap-2 text-sm">
          {owned.map((item) => (
            <li key={item.key} className="flex items-center gap-2 font-medium">
              <span aria-hidden="true" className="text-emerald-600 dark:text-emerald-400">
                ✓
              </span>
              {item.name}
            </li>
          ))}
        </ul>
      ) : (
        <p className={`text-sm ${mutedTextClasses}`}>Nothing yet — one-time purchases show up here.</p>
      )}
    </section>
  );
}
