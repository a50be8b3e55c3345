import Link from "next/link";

export function SiteFooter() {
  return (
    <footer className="border-t border-zinc-200 dark:border-zinc-800">
      <div className="mx-auto flex max-w-6xl flex-col gap-3 px-4 py-8 text-sm text-zinc-600 sm:flex-row sm:items-center sm:justify-between sm:px-6 dark:text-zinc-400">
        <p>Checkout Starter — subscriptions, one-time products and credit packs through hosted checkout.</p>
        <nav aria-label="Footer">
          <ul className="flex gap-4">
            <li>
              <Link href="/pricing" className="rounded-sm hover:text-zinc-900 hover:underline dark:hover:text-white">
                Pricing
              </Link>
            </li>
            <li>
              <Link href="/account" className="rounded-sm hover:text-zinc-900 hover:underline dark:hover:text-white">
                Account
              </Link>
            </li>
          </ul>
        </nav>
      </div>
    </footer>
  );
}
