import type { Metadata } from "next";
import Link from "next/link";
import { devMailboxEnabled } from "@/lib/auth/dev-mailbox";
import { AuthCard } from "@/components/auth/auth-card";
import { buttonClasses, textLinkClasses } from "@/components/ui/styles";

// Whether the dev mailbox is on is runtime configuration.
export const dynamic = "force-dynamic";

export const metadata: Metadata = { title: "Check your email" };

export default function CheckEmailPage() {
  return (
    <AuthCard
      title="Check your email"
      description="We sent you a sign-in link. Open it on this device to continue — it works once and expires soon."
    >
      {devMailboxEnabled() ? (
        <div className="flex flex-col gap-3 rounded-lg border border-amber-300 bg-amber-50 p-4 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100">
          <p>No mail server is configured, so sign-in links are delivered to the development mailbox.</p>
          <Link href="/dev/mailbox" className={buttonClasses("primary", "self-start")}>
            Open the dev mailbox
          </Link>
        </div>
      ) : null}
      <p className="text-sm text-zinc-600 dark:text-zinc-400">
        Didn&apos;t get it? Check your spam folder or{" "}
        <Link href="/signin" className={textLinkClasses}>
          request a new link
        </Link>
        .
      </p>
    </AuthCard>
  );
}
