import { ClerkProvider } from "@clerk/nextjs";
import type { ReactNode } from "react";
import "@/app/globals.css";
import { Providers } from "@/app/ui/providers";
import { getEnv } from "@/lib/env";

export const metadata = {
  title: "Postora",
  description: "Postora turns raw text into social posts: bullet points, carousels and quote cards.",
};

// Who is signed in decides every page: nothing is prerendered.
export const dynamic = "force-dynamic";

export default function RootLayout({ children }: { children: ReactNode }) {
  const { clerk } = getEnv();
  const body = (
    <html lang="en">
      <body>
        <Providers mode={clerk ? "clerk" : "development"}>{children}</Providers>
      </body>
    </html>
  );
  // Clerk's components load their scripts from Clerk's servers: only with a publishable key.
  return clerk ? (
    <ClerkProvider publishableKey={clerk.publishableKey} signInUrl="/sign-in">
      {body}
    </ClerkProvider>
  ) : (
    body
  );
}
