/**
 * The sandbox clock: real time plus an offset that the control API can advance
 * (`POST /_sandbox/clock/advance`). Every provider computes `created`, `expires_at`,
 * subscription periods and expiry from it, so "24 hours later" is testable.
 * Webhook signature timestamps deliberately use REAL time: receivers verify them
 * against their own wall clock (Stripe's tolerance is 300 s).
 */
export class Clock {
  private offsetMs = 0;
  private listeners = new Set<() => void>();

  now(): number {
    return Date.now() + this.offsetMs;
  }
  nowSeconds(): number {
    return Math.floor(this.now() / 1000);
  }
  get offset(): number {
    return this.offsetMs;
  }
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new Error("advance must be a non-negative number of milliseconds");
    this.offsetMs += ms;
    for (const l of this.listeners) l();
  }
  reset(): void {
    this.offsetMs = 0;
  }
  onAdvance(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
