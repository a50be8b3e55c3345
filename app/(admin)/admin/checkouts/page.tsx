import type { Metadata } from "next";
import { requireAdmin } from "@/lib/admin/access";
import { listStuckCheckouts, stuckFiltersSchema } from "@/lib/admin/checkouts";
import { lookUpCustomerByEmail } from "@/lib/admin/customer-lookup";
import { countUndecidedHeld } from "@/lib/admin/held-checkouts";
import { HeldNotice } from "@/components/admin/held-notice";
import { CustomerLookupView } from "@/components/admin/customer-lookup-view";
import { StuckCheckoutsTable } from "@/components/admin/stuck-checkouts-table";
import { syncCheckoutNow } from "../actions";

export const metadata: Metadata = { title: "Checkouts · Admin" };

export default async function AdminCheckoutsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requireAdmin();
  const params = await searchParams;
  const { minutes } = stuckFiltersSchema.parse(params);
  const email = typeof params.email === "string" ? params.email.trim().slice(0, 320) : "";
  const [stuck, customer, heldWaiting] = await Promise.all([listStuckCheckouts({ minutes }), email ? lookUpCustomerByEmail(email) : null, countUndecidedHeld()]);
  return (
    <div className="flex flex-col gap-10">
      <HeldNotice count={heldWaiting} />
      <StuckCheckoutsTable rows={stuck} minutes={minutes} syncAction={syncCheckoutNow} />
      <CustomerLookupView email={email} customer={customer} syncAction={syncCheckoutNow} />
    </div>
  );
}
