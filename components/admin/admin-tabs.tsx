import Link from "next/link";

const TABS = [
  { href: "/admin/events", label: "Webhook events" },
  { href: "/admin/checkouts", label: "Checkouts & customers" },
  { href: "/admin/held", label: "Held & exceptions" },
] as const;

const tabClasses =
  "rounded-md px-3 py-2 text-sm font-medium text-zinc-700 hover:bg-zinc-100 hover:text-zinc-900 dark:text-zinc-300 dark:hover:bg-zinc-800 dark:hover:text-white";

/** The console's sections. Plain links: each section is its own page (and its own admin check). */
export function AdminTabs() {
  return (
    <nav aria-label="Admin" className="flex flex-wrap items-center gap-2 border-b border-zinc-200 pb-3 dark:border-zinc-800">
      <span className="mr-2 text-sm font-semibold tracking-wide text-indigo-700 uppercase dark:text-indigo-300">Operator console</span>
      {TABS.map((tab) => (
        <Link key={tab.href} href={tab.href} className={tabClasses}>
          {tab.label}
        </Link>
      ))}
    </nav>
  );
}
