import type { Metadata } from "next";
import { requireUser } from "@/lib/auth";
import { BillingCard } from "@/components/account/billing-card";
import { SignOutButton } from "@/components/auth/sign-out-button";
import { cardClasses } from "@/components/ui/styles";

export const metadata: Metadata = { title: "Account" };

export default async function AccountPage() {
  const user = await requireUser("/account");
  return (
    <div className="mx-auto flex max-w-4xl flex-col gap-8 px-4 py-12 sm:px-6">
      <h1 className="text-3xl font-semibold tracking-tight">Your account</h1>
      <div className="grid gap-6 md:grid-cols-2">
        <section aria-labelledby="profile-heading" className={`${cardClasses} flex flex-col gap-4 p-6`}>
          <h2 id="profile-heading" className="text-lg font-semibold tracking-tight">
            Profile
          </h2>
          <dl className="flex flex-col gap-1 text-sm">
            {user.name ? (
              <>
                <dt className="text-zinc-600 dark:text-zinc-400">Name</dt>
                <dd className="mb-2 font-medium">{user.name}</dd>
              </>
            ) : null}
            <dt className="text-zinc-600 dark:text-zinc-400">Signed in as</dt>
            <dd className="font-medium break-all">{user.email ?? "—"}</dd>
          </dl>
          <div className="mt-auto">
            <SignOutButton />
          </div>
        </section>
        <BillingCard />
      </div>
    </div>
  );
}
