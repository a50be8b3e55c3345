import type { Metadata } from "next";
import type { ReactNode } from "react";
import { requireAdmin } from "@/lib/admin/access";
import { AdminTabs } from "@/components/admin/admin-tabs";

export const metadata: Metadata = { title: "Admin", robots: { index: false, follow: false } };

// 404 for everyone but admins (signed out included): the console does not reveal it exists.
export default async function AdminLayout({ children }: { children: ReactNode }) {
  await requireAdmin();
  return (
    <div className="mx-auto flex max-w-7xl flex-col gap-6 px-4 py-10 sm:px-6">
      <AdminTabs />
      {children}
    </div>
  );
}
