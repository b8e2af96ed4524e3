import { GenerationsPage } from "@/app/ui/generations";
import { Shell } from "@/app/ui/shell";

export default function Home() {
  return (
    <Shell>
      <GenerationsPage />
    </Shell>
  );
}
