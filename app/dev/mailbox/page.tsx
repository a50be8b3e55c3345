import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { devMailboxEnabled, listDevMail } from "@/lib/auth/dev-mailbox";
import { DevMailList } from "@/components/dev-mailbox/dev-mail-list";
import { buttonClasses, inputClasses, textLinkClasses } from "@/components/ui/styles";

export const dynamic = "force-dynamic";

export const metadata: Metadata = {
  title: "Dev mailbox",
  robots: { index: false, follow: false },
};

type DevMailboxPageProps = {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
};

export default async function DevMailboxPage({ searchParams }: DevMailboxPageProps) {
  if (!devMailboxEnabled()) notFound();
  const params = await searchParams;
  const to = (Array.isArray(params.to) ? params.to[0] : params.to)?.trim() || undefined;
  const messages = await listDevMail(to);

  return (
    <div className="mx-auto flex max-w-4xl flex-col gap-8 px-4 py-12 sm:px-6">
      <p
        role="note"
        className="rounded-lg border border-amber-300 bg-amber-50 px-4 py-3 text-sm font-medium text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100"
      >
        Development mailbox — not available in production
      </p>
      <div className="flex flex-col gap-2">
        <h1 className="text-3xl font-semibold tracking-tight">Mailbox</h1>
        <p className="text-zinc-600 dark:text-zinc-400">
          Sign-in emails land here while no mail server is configured. Each link works once.
        </p>
      </div>

      <form method="get" className="flex flex-col gap-3 sm:flex-row sm:items-end">
        <div className="flex flex-1 flex-col gap-1.5">
          <label htmlFor="mailbox-to" className="text-sm font-medium">
            Recipient
          </label>
          <input
            id="mailbox-to"
            name="to"
            type="email"
            defaultValue={to}
            placeholder="you@example.com"
            autoComplete="off"
            className={inputClasses}
          />
        </div>
        <button type="submit" className={buttonClasses("secondary")}>
          Filter
        </button>
        {to ? (
          <Link href="/dev/mailbox" className={`${textLinkClasses} self-center text-sm`}>
            Show all
          </Link>
        ) : null}
      </form>

      <DevMailList messages={messages} />
    </div>
  );
}
