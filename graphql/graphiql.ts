/**
 * GraphiQL that teaches: it opens with tabs of example operations (who am I,
 * a page of generations, the create + upload flow), served from our own
 * bundle (no CDN). With the development identity, and only then, the
 * dashboard's sign-in leaves a cookie scoped to this endpoint and GraphiQL
 * starts with that person's Bearer token in its headers.
 */
import type { GraphiQLOptions } from "graphql-yoga";
import type { Env } from "@/lib/env";

/** Set by app/api/dev-identity/token; read only here, only with the development identity. */
export const DEV_TOKEN_COOKIE = "postora_dev_token";

const examples: { query: string; variables?: Record<string, unknown> }[] = [
  {
    query: `# Is the API up? Answers only when the database does, through your row-level-security context.
query Health {
  health {
    ok
    checkedAt
    databaseRole
  }
}
`,
  },
  {
    query: `# Who is calling, their plan and this month's usage. Anonymous callers get viewer: null.
query WhoAmI {
  viewer {
    id
    email
    tier
    usage { used limit periodEndsAt }
  }
}
`,
  },
  {
    query: `# Newest first. Pass pageInfo.endCursor as $after for the next page (or last/before to go back).
query MyGenerations($after: String) {
  viewer {
    generations(first: 10, after: $after) {
      edges { node { id status outputFormat createdAt bulletPoints } }
      pageInfo { hasNextPage endCursor }
    }
  }
}
`,
  },
  {
    query: `# 1. Queue a generation: the pipeline turns the text into a post.
#    The payload also has a signed upload URL: PUT a PNG of your own there to replace the rendered image:
#    curl -X PUT -H 'content-type: image/png' --data-binary @card.png "<upload.url>"
# 2. Poll the generation (GenerationStatus) until it is COMPLETED, then sign a download URL.
mutation CreatePost($input: CreateGenerationInput!) {
  createGeneration(input: $input) {
    generation { id status }
    upload { url expiresAt }
  }
}

query Progress($id: ID!) {
  generation(id: $id) { id status bulletPoints }
}

mutation Download($id: ID!) {
  createGenerationDownloadUrl(input: { id: $id, expiresIn: 300 }) {
    download { url expiresAt }
  }
}
`,
    variables: { input: { inputContent: "Paste your raw text here: notes, an article, a thread.", outputFormat: "BULLET_POINTS" }, id: "<generation.id from CreatePost>" },
  },
];

function devTokenOf(request: Request): string | null {
  const cookie = request.headers.get("cookie") ?? "";
  const match = new RegExp(`(?:^|;\\s*)${DEV_TOKEN_COOKIE}=([A-Za-z0-9._-]+)`).exec(cookie);
  return match?.[1] ?? null;
}

export function graphiqlOptionsFor(env: Env, request: Request): GraphiQLOptions {
  const token = env.devIdentity ? devTokenOf(request) : null;
  const headers = JSON.stringify(token ? { Authorization: `Bearer ${token}` } : {}, null, 2);
  return {
    title: "Postora API",
    headers,
    defaultTabs: examples.map((example) => ({
      query: example.query,
      headers,
      variables: example.variables ? JSON.stringify(example.variables, null, 2) : null,
    })),
  };
}
