import { Shell } from "@/app/ui/shell";
import { TemplatesPage } from "@/app/ui/templates";

export default function Templates() {
  return (
    <Shell>
      <TemplatesPage />
    </Shell>
  );
}
