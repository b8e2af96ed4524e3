import { getEnv } from "@/lib/env";
import { ClerkSignIn } from "@/app/sign-in/clerk-sign-in";
import { DevSignIn } from "@/app/sign-in/dev-sign-in";

export const dynamic = "force-dynamic";

export default function SignInPage() {
  const env = getEnv();
  return (
    <main className="shell" style={{ maxWidth: 520 }}>
      <h1>Sign in to Postora</h1>
      {env.clerk ? <ClerkSignIn /> : env.devIdentity ? <DevSignIn /> : <p className="error">Sign-in is not configured on this server.</p>}
    </main>
  );
}
