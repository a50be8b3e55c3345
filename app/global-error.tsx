"use client";

import { GeistSans } from "geist/font/sans";
import { ErrorMessage } from "@/components/error-message";
import "./globals.css";

// Replaces the root layout when the layout itself fails (for example the header's session read).
export default function GlobalError({ error, retry }: { error: unknown; retry: () => void }) {
  return (
    <html lang="en" className={GeistSans.variable}>
      <body className="bg-white font-sans text-zinc-900 antialiased dark:bg-zinc-950 dark:text-zinc-100">
        <title>Something went wrong · Checkout Starter</title>
        <main>
          <ErrorMessage error={error} retry={retry} />
        </main>
      </body>
    </html>
  );
}
