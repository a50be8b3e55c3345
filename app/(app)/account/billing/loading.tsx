import { cardClasses } from "@/components/ui/styles";

const bar = "rounded-md bg-zinc-200 motion-safe:animate-pulse dark:bg-zinc-800";

export default function BillingLoading() {
  return (
    <div className="mx-auto flex max-w-4xl flex-col gap-8 px-4 py-12 sm:px-6" aria-busy="true">
      <p role="status" className="sr-only">
        Loading billing…
      </p>
      <div className={`${bar} h-9 w-32`} />
      <div className="grid gap-6 md:grid-cols-2" aria-hidden="true">
        {[0, 1].map((card) => (
          <div key={card} className={`${cardClasses} flex flex-col gap-4 p-6`}>
            <div className={`${bar} h-6 w-28`} />
            <div className={`${bar} h-8 w-1/2`} />
            <div className={`${bar} h-4 w-3/4`} />
          </div>
        ))}
        <div className={`${cardClasses} flex flex-col gap-4 p-6 md:col-span-2`}>
          <div className={`${bar} h-6 w-20`} />
          <div className={`${bar} h-4 w-1/3`} />
        </div>
      </div>
      <div className={`${cardClasses} flex flex-col gap-3 p-6`} aria-hidden="true">
        <div className={`${bar} h-6 w-36`} />
        {[0, 1, 2].map((row) => (
          <div key={row} className={`${bar} h-5 w-full`} />
        ))}
      </div>
    </div>
  );
}
