import { redirect } from "next/navigation";
import { requireAdmin } from "@/lib/admin/access";

export default async function AdminHome() {
  await requireAdmin();
  redirect("/admin/events");
}
