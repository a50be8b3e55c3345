import "server-only";
import NextAuth, { type NextAuthConfig } from "next-auth";
import type { EmailConfig, Provider } from "next-auth/providers";
import GitHub from "next-auth/providers/github";
import Google from "next-auth/providers/google";
import Nodemailer from "next-auth/providers/nodemailer";
import { PrismaAdapter } from "@auth/prisma-adapter";
import { db } from "@/lib/db";
import { serverEnv } from "@/lib/env";
import { deliverToDevMailbox } from "./dev-mailbox";
import { canonicalSignInUrl } from "./sign-in-link";

// The whole Auth.js configuration. Built per request (lazy config) so configuration is read
// where it is used and `next build` needs no secrets.

const SIGN_IN_LINK_MAX_AGE_SECONDS = 10 * 60;

function emailProvider(): EmailConfig {
  const env = serverEnv();
  // In production the link is moved onto the configured origin (lib/auth/sign-in-link.ts);
  // in development the request's own origin is what the developer opened.
  const linkFor = (url: string) => (env.NODE_ENV === "production" ? canonicalSignInUrl(url, env.AUTH_ORIGIN) : url);
  if (env.EMAIL_SERVER) {
    const settings = { id: "email", name: "Email", server: env.EMAIL_SERVER, from: env.EMAIL_FROM, maxAge: SIGN_IN_LINK_MAX_AGE_SECONDS };
    const send = Nodemailer(settings).sendVerificationRequest;
    return Nodemailer({ ...settings, sendVerificationRequest: (params) => send({ ...params, url: linkFor(params.url) }) });
  }
  // No mail server: the link goes to the dev mailbox page, so the real magic-link flow
  // (token in the database, one-time use, expiry) still runs end to end.
  return {
    id: "email",
    type: "email",
    name: "Email",
    from: env.EMAIL_FROM,
    maxAge: SIGN_IN_LINK_MAX_AGE_SECONDS,
    sendVerificationRequest: ({ identifier, url }) => deliverToDevMailbox(identifier, linkFor(url)),
    options: {},
  } as EmailConfig;
}

function oauthProviders(): Provider[] {
  const env = serverEnv();
  const providers: Provider[] = [];
  if (env.AUTH_GITHUB_ID && env.AUTH_GITHUB_SECRET) {
    providers.push(GitHub({ clientId: env.AUTH_GITHUB_ID, clientSecret: env.AUTH_GITHUB_SECRET }));
  }
  if (env.AUTH_GOOGLE_ID && env.AUTH_GOOGLE_SECRET) {
    providers.push(Google({ clientId: env.AUTH_GOOGLE_ID, clientSecret: env.AUTH_GOOGLE_SECRET }));
  }
  return providers;
}

/** Sign-in methods offered on the sign-in page, in display order. */
export function signInMethods(): { id: string; name: string }[] {
  return oauthProviders().map((provider) => {
    const resolved = typeof provider === "function" ? provider() : provider;
    return { id: resolved.id, name: resolved.name };
  });
}

function authConfig(): NextAuthConfig {
  const env = serverEnv();
  return {
    adapter: PrismaAdapter(db),
    secret: env.AUTH_SECRET,
    // Same-origin deployments behind Vercel or `next start` on localhost; the host header is
    // trusted so callback URLs follow the address the user actually used.
    trustHost: true,
    session: { strategy: "database", maxAge: 30 * 24 * 60 * 60 },
    providers: [emailProvider(), ...oauthProviders()],
    pages: {
      signIn: "/signin",
      verifyRequest: "/signin/check-email",
      error: "/signin",
    },
    callbacks: {
      session({ session, user }) {
        session.user.id = user.id;
        return session;
      },
    },
    events: {
      // OAuth users start with emailVerified null (Auth.js sets it only for magic links), so
      // their email grants no admin rights; Google says when it verified the address.
      async signIn({ user, account, profile }) {
        if (account?.provider === "google" && profile?.email_verified === true && user.id && profile.email === user.email) {
          await db.user.updateMany({ where: { id: user.id, emailVerified: null }, data: { emailVerified: new Date() } });
        }
      },
    },
    // Auth.js's default session cookie is SameSite=Lax: it survives the top-level navigation
    // back from an external checkout page (Strict would drop it and look signed out).
  };
}

export const { handlers, auth, signIn, signOut } = NextAuth(() => authConfig());
