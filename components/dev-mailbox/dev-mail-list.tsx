import { cardClasses, textLinkClasses } from "@/components/ui/styles";

export type DevMailMessage = { id: string; to: string; subject: string; url: string; createdAt: Date };

const timeFormat = new Intl.DateTimeFormat("en-US", {
  dateStyle: "medium",
  timeStyle: "medium",
  timeZone: "UTC",
});

/** Recent sign-in emails, newest first, each with its one-time link. */
export function DevMailList({ messages }: { messages: DevMailMessage[] }) {
  if (messages.length === 0) {
    return (
      <p className="rounded-2xl border border-dashed border-zinc-300 p-8 text-center text-zinc-600 dark:border-zinc-700 dark:text-zinc-400">
        No messages yet. Request a sign-in link and it will show up here.
      </p>
    );
  }
  return (
    <ul className="flex flex-col gap-3">
      {messages.map((message) => (
        <li key={message.id} className={`${cardClasses} flex flex-col gap-2 p-4 sm:flex-row sm:items-center sm:justify-between`}>
          <div className="flex min-w-0 flex-col gap-1">
            <p className="text-sm font-medium">{message.subject}</p>
            <p className="truncate text-sm text-zinc-600 dark:text-zinc-400">
              To <span className="font-mono">{message.to}</span> ·{" "}
              <time dateTime={message.createdAt.toISOString()}>{timeFormat.format(message.createdAt)} UTC</time>
            </p>
          </div>
          {/* A plain anchor: the link goes to the Auth.js callback route, not a page. */}
          <a href={message.url} data-testid="mail-link" className={`${textLinkClasses} shrink-0 text-sm`}>
            Sign in as {message.to}
          </a>
        </li>
      ))}
    </ul>
  );
}
