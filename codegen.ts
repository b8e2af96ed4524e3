import type { CodegenConfig } from "@graphql-codegen/cli";

/**
 * Typed documents for our urql frontend, generated from the printed schema
 * (graphql/schema.graphql, itself printed from Pothos by scripts/print-schema.ts).
 */
const config: CodegenConfig = {
  schema: "graphql/schema.graphql",
  documents: ["graphql/documents/**/*.graphql"],
  generates: {
    "graphql/generated/": {
      preset: "client",
      // Tests and the dashboard read fields straight off results; no useFragment() unmasking.
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { DateTime: "string", JSON: "unknown", ID: "string" },
      },
    },
  },
};

export default config;
