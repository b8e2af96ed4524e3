import { AccountPage } from "@/app/ui/account";
import { Shell } from "@/app/ui/shell";

export default function Account() {
  return (
    <Shell>
      <AccountPage />
    </Shell>
  );
}
