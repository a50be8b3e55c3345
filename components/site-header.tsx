import Link from "next/link";
import { isAdminEmail } from "@/lib/admin/admin-emails";
import { currentUser } from "@/lib/auth";
import { serverEnv } from "@/lib/env";
import { SignOutButton } from "@/components/auth/sign-out-button";
import { SiteLogo } from "@/components/site-logo";
import { buttonClasses } from "@/components/ui/styles";

const navLinkClasses =
  "rounded-md px-3 py-2 text-sm font-medium text-zinc-700 hover:bg-zinc-100 hover:text-zinc-900 dark:text-zinc-300 dark:hover:bg-zinc-800 dark:hover:text-white";

/** Server-rendered: reads the session, so every page that includes it renders per request. */
export async function SiteHeader() {
  const user = await currentUser();
  return (
    <header className="border-b border-zinc-200 bg-white/90 backdrop-blur dark:border-zinc-800 dark:bg-zinc-950/90">
      <div className="mx-auto flex max-w-6xl flex-wrap items-center justify-between gap-x-6 gap-y-2 px-4 py-3 sm:px-6">
        <Link href="/" className="flex items-center gap-2 rounded-md text-base font-semibold tracking-tight">
          <SiteLogo />
          <span>Checkout Starter</span>
        </Link>
        <nav aria-label="Main" className="flex items-center gap-1 sm:gap-2">
          <Link href="/pricing" className={navLinkClasses}>
            Pricing
          </Link>
          {user ? (
            <>
              <Link href="/account" className={navLinkClasses}>
                Account
              </Link>
              {isAdminEmail(user.email, serverEnv().ADMIN_EMAILS) ? (
                <Link href="/admin/events" className={navLinkClasses}>
                  Admin
                </Link>
              ) : null}
              <SignOutButton placement="header" variant="ghost" className="px-3 py-2" />
            </>
          ) : (
            <Link href="/signin" className={buttonClasses("primary", "ml-1 px-3 py-2")}>
              Sign in
            </Link>
          )}
        </nav>
      </div>
    </header>
  );
}
