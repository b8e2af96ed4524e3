"use client";
/**
 * The frame of every signed-in page: navigation, the development banner,
 * sign-out, and a redirect to sign-in for a visitor who has no session.
 *
 * On a narrow screen the navigation folds behind a Menu button (a disclosure:
 * aria-expanded and aria-controls; Escape closes it and gives focus back to
 * the button). On a wide one the same list is always shown and the button is not.
 */
import Link from "next/link";
import { usePathname } from "next/navigation";
import { useEffect, useRef, useState, type ReactNode } from "react";
import { Logo } from "@/app/ui/logo";
import { useSession } from "@/app/ui/session";

/** The main navigation, in order: a new page is one line here. */
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
        <Link className="brand" href="/">
          <Logo />
          Postora
        </Link>
        <MainNav onSignOut={() => void session.signOut()} />
      </header>
      <main className="shell">{children}</main>
    </>
  );
}

function MainNav({ onSignOut }: { onSignOut: () => void }) {
  const pathname = usePathname();
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLDivElement>(null);

  // A link followed closes the menu.
  useEffect(() => setOpen(false), [pathname]);

  useEffect(() => {
    if (!open) return;
    // Focus moves into the menu it opened, and Escape or a click outside closes it.
    menu.current?.querySelector<HTMLElement>("a, button")?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== "Escape") return;
      setOpen(false);
      button.current?.focus();
    };
    const onPointer = (event: PointerEvent) => {
      const target = event.target as Node;
      if (!menu.current?.contains(target) && !button.current?.contains(target)) setOpen(false);
    };
    document.addEventListener("keydown", onKey);
    document.addEventListener("pointerdown", onPointer);
    return () => {
      document.removeEventListener("keydown", onKey);
      document.removeEventListener("pointerdown", onPointer);
    };
  }, [open]);

  return (
    <nav aria-label="Main" className="main-nav">
      <button
        ref={button}
        type="button"
        className="menu-button secondary"
        aria-expanded={open}
        aria-controls="main-menu"
        onClick={() => setOpen(!open)}
      >
        <span aria-hidden="true" className="menu-icon" />
        Menu
      </button>
      <div id="main-menu" ref={menu} className="menu" data-open={open}>
        <ul>
          {pages.map((page) => (
            <li key={page.href}>
              <Link href={page.href} aria-current={pathname === page.href ? "page" : undefined} prefetch={false}>
                {page.label}
              </Link>
            </li>
          ))}
        </ul>
        <button type="button" className="secondary" onClick={onSignOut}>Sign out</button>
      </div>
    </nav>
  );
}
