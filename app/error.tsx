"use client";

import { ErrorMessage } from "@/components/error-message";

export default function Error({ error, retry }: { error: unknown; retry: () => void }) {
  return <ErrorMessage error={error} retry={retry} />;
}
