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
