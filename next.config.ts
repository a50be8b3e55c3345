import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  poweredByHeader: false,
  // The local sandbox and scripts are dev tooling; keep them out of the server bundle trace.
  outputFileTracingExcludes: { "*": ["./sandbox/**", "./scripts/**", "./.data/**"] },
  serverExternalPackages: ["pg"],
};

export default nextConfig;
