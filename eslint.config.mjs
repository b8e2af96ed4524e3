import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: [".next*/**", "node_modules/**", ".postora/**", "graphql/generated/**", "next-env.d.ts"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
    },
  },
  {
    // Resolvers reach the database only as the caller, under RLS.
    files: ["graphql/**/*.ts"],
    // Tests seed and inspect rows past RLS on purpose.
    ignores: ["**/*.test.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: [
            { name: "@/lib/db/client", importNames: ["asService"], message: "Resolvers use ctx.db (withUser); asService bypasses RLS." },
          ],
        },
      ],
    },
  },
  {
    // Resolvers get storage and the logger from the context (ctx.storage, ctx.log), never from globals;
    // the server (yoga.ts) and the error plumbing (errors.ts) are what build and use them.
    files: ["graphql/**/*.ts"],
    ignores: ["**/*.test.ts", "graphql/yoga.ts", "graphql/errors.ts"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["@/lib/storage/index", "@/lib/storage/local", "@/lib/storage/supabase", "@/lib/log"],
              allowTypeImports: true,
              message: "Resolvers take storage and the logger from the context: ctx.storage, ctx.log.",
            },
          ],
        },
      ],
    },
  },
  {
    // The domain layer knows nothing of GraphQL or Next.js.
    files: ["lib/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: ["graphql", "graphql-yoga", "@pothos/*", "next", "next/*", "@clerk/nextjs", "@clerk/nextjs/*", "@/graphql/*", "@/app/*"], message: "lib/ is the domain: no GraphQL or Next.js imports." }] },
      ],
    },
  },
);
