// The result of an operator action, shown as a flash message next to the button. Pure types:
// shared by lib/admin (which builds it) and components/admin (which shows it).

export type OperatorFlash =
  | { status: "idle" }
  | { status: "success" | "info" | "error"; message: string };
