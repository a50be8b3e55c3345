import type { NextConfig } from "next";
import { securityHeaders } from "./lib/security/headers";

const nextConfig: NextConfig = {
  poweredByHeader: false,
  // The local sandbox and scripts are dev tooling; keep them out of the server bundle trace.
  outputFileTracingExcludes: { "*": ["./sandbox/**", "./scripts/**", "./.data/**"] },
  serverExternalPackages: ["pg"],
  // CSP, framing, sniffing, referrer and permissions for every response (lib/security/headers.ts).
  async headers() {
    return [{ source: "/:path*", headers: securityHeaders(process.env) }];
  },
};

export default nextConfig;
