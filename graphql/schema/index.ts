// Side-effect imports: each file registers its types and fields on the builder.
import "@/graphql/schema/health";
import { builder } from "@/graphql/builder";

export const schema = builder.toSchema({ sortSchema: true });
