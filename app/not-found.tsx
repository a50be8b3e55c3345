import Link from "next/link";
import { buttonClasses } from "@/components/ui/styles";

export default function NotFound() {
  return (
    <div className="mx-auto flex max-w-xl flex-col items-center gap-4 px-4 py-24 text-center">
      <p className="text-sm font-semibold text-indigo-700 dark:text-indigo-300">404</p>
      <h1 className="text-3xl font-semibold tracking-tight">Page not found</h1>
      <p className="text-zinc-600 dark:text-zinc-400">The page you were looking for doesn&apos;t exist or has moved.</p>
      <div className="flex flex-wrap justify-center gap-3">
        <Link href="/" className={buttonClasses("primary")}>
          Go home
        </Link>
        <Link href="/pricing" className={buttonClasses("secondary")}>
          See pricing
        </Link>
      </div>
    </div>
  );
}
