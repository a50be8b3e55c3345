// Runs once when a server starts (next dev / next start / Vercel).
export async function register() {
  // `next build` needs no runtime secrets; the server that runs the build checks them.
  if (process.env.NEXT_RUNTIME === "nodejs" && process.env.NEXT_PHASE !== "phase-production-build") {
    const { validateEnvironmentAtBoot } = await import("./lib/boot");
    validateEnvironmentAtBoot();
  }
}
