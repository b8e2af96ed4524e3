import { ApiKeysPage } from "@/app/ui/api-keys";
import { Shell } from "@/app/ui/shell";

export default function Keys() {
  return (
    <Shell>
      <ApiKeysPage />
    </Shell>
  );
}
