/**
 * GET /api/canva/callback: where Canva sends the person's browser after they
 * approve (or refuse) Postora. It carries no identity of ours: the `state`
 * finds the person's connect attempt (once), and lib/canva exchanges the
 * code. The browser then lands on the account page, told what happened.
 */
import { finishConnect } from "@/lib/canva/accounts";
import { canvaDepsFromEnv } from "@/lib/canva/from-env";
import { getEnv } from "@/lib/env";
import { logger } from "@/lib/log";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

const log = logger.child({ source: "canva.callback" });

function backToAccount(outcome: Record<string, string>): Response {
  const target = new URL("/account", getEnv().appUrl);
  for (const [key, value] of Object.entries(outcome)) target.searchParams.set(key, value);
  return Response.redirect(target, 303);
}

export async function GET(request: Request): Promise<Response> {
  const deps = await canvaDepsFromEnv(log);
  if (!deps) return Response.json({ error: "Canva is not set up on this server (CANVA_CLIENT_ID)." }, { status: 503 });
  const params = new URL(request.url).searchParams;
  try {
    const result = await finishConnect(deps, { state: params.get("state"), code: params.get("code"), error: params.get("error") });
    if (result.status === "connected") return backToAccount({ canva: "connected" });
    return backToAccount({ canva: "refused", message: result.message });
  } catch (error) {
    log.error("connecting Canva failed", { error });
    return backToAccount({ canva: "refused", message: "Canva could not be reached to finish connecting. Try Connect Canva again in a minute." });
  }
}
