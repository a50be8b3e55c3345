import type { Metadata } from "next";
import { requireAdmin } from "@/lib/admin/access";
import { listHeldCheckouts, listMoneyExceptions } from "@/lib/admin/held-checkouts";
import { HeldCheckoutsTable } from "@/components/admin/held-checkouts-table";
import { MoneyExceptionsTable } from "@/components/admin/money-exceptions-table";
import { decideHeldCheckoutNow } from "../actions";

export const metadata: Metadata = { title: "Held & exceptions · Admin" };

export default async function AdminHeldPage() {
  await requireAdmin();
  const [held, exceptions] = await Promise.all([listHeldCheckouts(), listMoneyExceptions()]);
  return (
    <div className="flex flex-col gap-10">
      <HeldCheckoutsTable rows={held} decideAction={decideHeldCheckoutNow} />
      <MoneyExceptionsTable rows={exceptions} />
    </div>
  );
}
