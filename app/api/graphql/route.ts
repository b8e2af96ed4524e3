import { clerkSessionOf } from "@/app/clerk-session";
import { createGraphQLServer } from "@/graphql/yoga";

// Every request depends on who calls; never prerender or cache.
export const dynamic = "force-dynamic";
export const runtime = "nodejs";

const { handleRequest } = createGraphQLServer();

async function handle(request: Request): Promise<Response> {
  if (request.method === "OPTIONS") return handleRequest(request, {});
  return handleRequest(request, { frontendSession: await clerkSessionOf(request) });
}

export { handle as GET, handle as POST, handle as OPTIONS };
