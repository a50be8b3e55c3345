"use client";

import { useEffect } from "react";
import { buttonClasses } from "@/components/ui/styles";

/** Shared body of app/error.tsx and app/global-error.tsx. */
export function ErrorMessage({ error, retry }: { error: unknown; retry: () => void }) {
  useEffect(() => {
    console.error(error);
  }, [error]);
  const digest =
    error instanceof Error && "digest" in error && typeof error.digest === "string" ? error.digest : null;
  return (
    <div role="alert" className="mx-auto flex max-w-xl flex-col items-center gap-4 px-4 py-24 text-center">
      <h1 className="text-3xl font-semibold tracking-tight">Something went wrong</h1>
      <p className="text-zinc-600 dark:text-zinc-400">
        We couldn&apos;t load this page. Please try again; if it keeps happening, come back in a few minutes.
      </p>
      {digest ? <p className="font-mono text-xs text-zinc-600 dark:text-zinc-400">Reference: {digest}</p> : null}
      <button type="button" onClick={() => retry()} className={buttonClasses("primary")}>
        Try again
      </button>
    </div>
  );
}
