import { createGraphQLServer } from "@/graphql/yoga";

// Every request depends on who calls; never prerender or cache.
export const dynamic = "force-dynamic";
export const runtime = "nodejs";

const { handleRequest } = createGraphQLServer();

export { handleRequest as GET, handleRequest as POST, handleRequest as OPTIONS };
