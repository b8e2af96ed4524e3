import { AccountPage } from "@/app/ui/account";
import { Shell } from "@/app/ui/shell";
import { getEnv } from "@/lib/env";

export const dynamic = "force-dynamic";

export default function Account() {
  // Checkout needs the Stripe secret key; the page only learns whether it is set, never the key.
  return (
    <Shell>
      <AccountPage billingConfigured={getEnv().stripe.secretKey !== null} />
    </Shell>
  );
}
