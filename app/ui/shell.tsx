"use client";
/**
 * The frame of every signed-in page: navigation, the development banner,
 * sign-out, and a redirect to sign-in for a visitor who has no session.
 */
import Link from "next/link";
import { usePathname } from "next/navigation";
import { useEffect, type ReactNode } from "react";
import { useSession } from "@/app/ui/session";

const pages = [
  { href: "/", label: "Generations" },
  { href: "/templates", label: "Templates" },
  { href: "/keys", label: "API keys" },
  { href: "/account", label: "Account" },
  { href: "/webhooks", label: "Webhooks" },
  { href: "/api/graphql", label: "GraphiQL" },
];

export function Shell({ children }: { children: ReactNode }) {
  const session = useSession();
  const pathname = usePathname();
  useEffect(() => {
    if (session.signedIn === false) session.expire();
  }, [session]);

  if (!session.signedIn) return <p className="shell loading" role="status">Loading your session…</p>;
  return (
    <>
      {session.mode === "development" ? (
        <div className="dev-banner" role="note">
          Development identity: signed in as <strong>{session.devUser?.email}</strong> ({session.devUser?.clerkUserId}). Not available in production.
        </div>
      ) : null}
      <header className="topbar">
        <Link className="brand" href="/">Postora</Link>
        <nav aria-label="Main">
          {pages.map((page) => (
            <Link key={page.href} href={page.href} aria-current={pathname === page.href ? "page" : undefined} prefetch={false}>
              {page.label}
            </Link>
          ))}
        </nav>
        <button type="button" className="secondary" onClick={() => void session.signOut()}>Sign out</button>
      </header>
      <main className="shell">{children}</main>
    </>
  );
}
