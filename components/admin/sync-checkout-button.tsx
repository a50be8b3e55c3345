import { OperatorActionForm, type OperatorAction } from "./operator-action-form";

const SYNC_BUTTONS = [{ label: "Sync now", pendingLabel: "Syncing…" }];

/** Asks the provider for the checkout's authoritative state and applies it (by OUR id). */
export function SyncCheckoutButton({ action, checkoutId }: { action: OperatorAction; checkoutId: string }) {
  return <OperatorActionForm action={action} fields={{ checkoutId }} buttons={SYNC_BUTTONS} subject={`checkout ${checkoutId}`} />;
}
