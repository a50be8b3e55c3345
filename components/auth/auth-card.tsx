import type { ReactNode } from "react";
import { cardClasses } from "@/components/ui/styles";

/** The narrow centred card used by the sign-in pages. */
export function AuthCard({ title, description, children }: { title: string; description?: ReactNode; children: ReactNode }) {
  return (
    <div className="mx-auto flex w-full max-w-md flex-col px-4 py-16 sm:py-24">
      <div className={`${cardClasses} flex flex-col gap-6 p-6 sm:p-8`}>
        <div className="flex flex-col gap-2">
          <h1 className="text-2xl font-semibold tracking-tight">{title}</h1>
          {description ? <p className="text-sm text-zinc-600 dark:text-zinc-400">{description}</p> : null}
        </div>
        {children}
      </div>
    </div>
  );
}
