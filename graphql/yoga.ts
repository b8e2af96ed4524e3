/**
 * The GraphQL server: graphql-yoga over the Pothos schema. Route handlers
 * and tests share this one instance-maker so tests exercise exactly what
 * production serves.
 */
import { randomUUID } from "node:crypto";
import { renderGraphiQL } from "@graphql-yoga/render-graphiql";
import { GraphQLError } from "graphql";
import { createYoga, type Plugin } from "graphql-yoga";
import { createContext, type GraphQLContext } from "@/graphql/context";
import { useClientErrors } from "@/graphql/errors";
import { schema } from "@/graphql/schema/index";
import { logger } from "@/lib/log";

const requestIds = new WeakMap<Request, string>();
const validRequestId = /^[A-Za-z0-9._-]{8,128}$/;

/** Honour a caller's x-request-id (for tracing across services), else mint one; echo it back. */
function requestIdOf(request: Request): string {
  let id = requestIds.get(request);
  if (!id) {
    const given = request.headers.get("x-request-id");
    id = given && validRequestId.test(given) ? given : randomUUID();
    requestIds.set(request, id);
  }
  return id;
}

function useRequestId(): Plugin {
  return {
    onResponse: ({ request, response }) => {
      response.headers.set("x-request-id", requestIdOf(request));
    },
  };
}

const log = logger.child({ source: "graphql" });

export function createGraphQLServer() {
  return createYoga<object, GraphQLContext>({
    schema,
    graphqlEndpoint: "/api/graphql",
    fetchAPI: { Response },
    landingPage: false,
    graphiql: {
      title: "Postora API",
      defaultQuery: "query Health {\n  health {\n    ok\n    databaseTime\n    databaseRole\n  }\n}\n",
    },
    // The bundled GraphiQL works offline; Yoga's default loads it from a CDN.
    renderGraphiQL,
    maskedErrors: {
      // Errors outside execution (context creation, parsing internals) that are not GraphQLErrors.
      maskError: (error, message) => {
        log.error("masked error outside execution", { error });
        return new GraphQLError(message, { extensions: { code: "INTERNAL_SERVER_ERROR" } });
      },
    },
    logging: false,
    plugins: [useRequestId(), useClientErrors()],
    context: async ({ request }) => createContext(requestIdOf(request), null),
  });
}
