// Side-effect imports: each file registers its types and fields on the builder.
import "@/graphql/schema/health";
import "@/graphql/schema/node";
import "@/graphql/schema/generation";
import "@/graphql/schema/generation-file";
import "@/graphql/schema/template";
import "@/graphql/schema/subscription";
import "@/graphql/schema/billing";
import "@/graphql/schema/viewer";
import "@/graphql/schema/brand-kit";
import "@/graphql/schema/api-key";
import "@/graphql/schema/webhook-endpoint";
import "@/graphql/schema/webhook-delivery";
import "@/graphql/schema/canva";
import "@/graphql/schema/live";
import { builder } from "@/graphql/builder";

// Node ids and plain edges: graphql/plain-fields-plugin.ts. The subscription root is Live (graphql/builder.ts).
export const schema = builder.toSchema({ sortSchema: true });
