import { Shell } from "@/app/ui/shell";
import { WebhooksPage } from "@/app/ui/webhooks";

export default function Webhooks() {
  return (
    <Shell>
      <WebhooksPage />
    </Shell>
  );
}
