/**
 * What a person can do with Canva, one function per GraphQL operation; the
 * resolvers in graphql/schema/canva.ts only translate. Each takes the
 * caller's users.id (the request's identity) and works on the service path
 * for that id only: the Canva tables are not readable by the API roles.
 */
import type { Logger } from "@/lib/log";
import type { ServiceDeps } from "@/lib/services";
import { getGeneration, type GenerationRow } from "@/lib/generations/generations";
import { canvaAccountOf, CanvaNotConnectedError, disconnect, startConnect, withCanvaAccess, type CanvaAccountState } from "@/lib/canva/accounts";
import { CanvaApiError } from "@/lib/canva/client";
import { canvaDepsFromEnv, requireCanvaDeps } from "@/lib/canva/from-env";
import { requestSend, sendsOf, type CanvaSendState } from "@/lib/canva/send";

/** connectCanva: where to send the person to approve Postora at Canva (valid for ten minutes, once). */
export async function connectCanva(log: Logger, userId: string): Promise<{ authorizeUrl: string; expiresAt: Date }> {
  return startConnect(await requireCanvaDeps(log), userId);
}

/** disconnectCanva: revokes the grant at Canva and forgets it (nothing to do when none is connected). */
export async function disconnectCanva(log: Logger, userId: string): Promise<CanvaAccountState> {
  await disconnect(await requireCanvaDeps(log), userId);
  return canvaAccountOf({}, userId);
}

/** viewer.canva: whether a grant works, the Canva display name, or why it stopped. */
export function viewerCanva(userId: string): Promise<CanvaAccountState> {
  return canvaAccountOf({}, userId);
}

/** sendGenerationToCanva: queues the send (or returns the one in flight) and the generation as the caller sees it. */
export async function sendGenerationToCanva({ db, log }: Pick<ServiceDeps, "db" | "log">, userId: string, id: string): Promise<GenerationRow> {
  // Visible to the caller first (NOT_FOUND as for any other operation), then the send.
  await db((sql) => getGeneration(sql, id));
  await requireCanvaDeps(log);
  await requestSend({}, userId, id);
  return db((sql) => getGeneration(sql, id));
}

export type GenerationCanva = CanvaSendState & { designId: string | null; userId: string };

/** Generation.canva for these generations of the caller: the latest send, or a design recorded without one. */
export async function canvaOfGenerations(userId: string, ids: readonly string[]): Promise<(GenerationCanva | null)[]> {
  const { sends, designs } = await sendsOf(undefined, userId, ids);
  return ids.map((id) => {
    const send = sends.get(id);
    const designId = designs.get(id) ?? null;
    if (send) return { ...send, designId, userId };
    if (!designId) return null;
    return { status: "ready", failureReason: null, requestedAt: new Date(0), finishedAt: null, designId, userId };
  });
}

/**
 * A design's edit link, asked of Canva now: its edit URLs last 30 days and
 * open only for the person who asked, so none is stored. Null when there is
 * no design, no working grant, or Canva cannot find it (logged).
 */
export async function canvaEditUrl(log: Logger, userId: string, designId: string | null): Promise<string | null> {
  if (!designId) return null;
  const deps = await canvaDepsFromEnv(log);
  if (!deps) return null;
  try {
    return (await withCanvaAccess(deps, userId, (token, client) => client.getDesign(token, designId))).editUrl;
  } catch (error) {
    if (error instanceof CanvaNotConnectedError) return null;
    if (error instanceof CanvaApiError) {
      log.warn("canva did not give a design's edit link", { designId, error: error.message });
      return null;
    }
    throw error;
  }
}
