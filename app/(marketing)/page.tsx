import Link from "next/link";
import { buttonClasses } from "@/components/ui/styles";

const VALUE_PROPS = [
  {
    title: "Five providers, one flow",
    body: "Stripe, Creem, Dodo Payments, Recur and FastStar behind one checkout button, redirect or overlay.",
  },
  {
    title: "Fulfilled from verified state",
    body: "Access is granted from signed webhooks or the provider's own API — never from a URL parameter.",
  },
  {
    title: "Plans, one-time and credits",
    body: "Monthly and yearly subscriptions with trials, lifetime purchases and credit packs from one catalog.",
  },
];

export default function HomePage() {
  return (
    <div className="mx-auto flex max-w-6xl flex-col gap-20 px-4 py-16 sm:px-6 sm:py-24">
      <section aria-labelledby="hero-heading" className="mx-auto flex max-w-3xl flex-col items-center gap-6 text-center">
        <p className="rounded-full border border-zinc-200 px-3 py-1 text-sm text-zinc-600 dark:border-zinc-800 dark:text-zinc-400">
          Next.js starter for hosted checkout
        </p>
        <h1 id="hero-heading" className="text-4xl font-semibold tracking-tight text-balance sm:text-6xl">
          Sell subscriptions, products and credits — without building a checkout.
        </h1>
        <p className="max-w-2xl text-lg text-pretty text-zinc-600 dark:text-zinc-400">
          Sign in with a magic link, pick a plan and pay on your provider&apos;s hosted page. Webhooks and the
          success page converge on the same, idempotent fulfillment.
        </p>
        <div className="flex flex-wrap justify-center gap-3">
          <Link href="/pricing" className={buttonClasses("primary", "px-5 py-3 text-base")}>
            See pricing
          </Link>
          <Link href="/account" className={buttonClasses("secondary", "px-5 py-3 text-base")}>
            Go to your account
          </Link>
        </div>
      </section>

      <section aria-labelledby="why-heading" className="flex flex-col gap-8">
        <h2 id="why-heading" className="sr-only">
          Why this starter
        </h2>
        <ul className="grid gap-6 md:grid-cols-3">
          {VALUE_PROPS.map((item) => (
            <li
              key={item.title}
              className="rounded-2xl border border-zinc-200 bg-zinc-50 p-6 dark:border-zinc-800 dark:bg-zinc-900"
            >
              <h3 className="text-lg font-semibold tracking-tight">{item.title}</h3>
              <p className="mt-2 text-zinc-600 dark:text-zinc-400">{item.body}</p>
            </li>
          ))}
        </ul>
        <p className="text-center">
          <Link
            href="/pricing"
            className="rounded-sm font-medium text-indigo-700 underline underline-offset-4 hover:text-indigo-900 dark:text-indigo-300 dark:hover:text-indigo-100"
          >
            Compare plans and prices →
          </Link>
        </p>
      </section>
    </div>
  );
}
