/**
 * Prints the Pothos schema to graphql/schema.graphql, sorted, so reviews see
 * API changes as diffs and codegen reads one source of truth.
 * `--check` fails instead of writing when the committed file is stale.
 */
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { printSchemaSDL } from "@/graphql/print";
import { schema } from "@/graphql/schema/index";

const target = path.resolve(import.meta.dirname, "../graphql/schema.graphql");
const printed = printSchemaSDL(schema);

if (process.argv.includes("--check")) {
  const committed = await readFile(target, "utf8").catch(() => "");
  if (committed !== printed) {
    console.error("graphql/schema.graphql is stale: run `npm run codegen` and commit the result.");
    process.exit(1);
  }
  console.log("graphql/schema.graphql is up to date");
} else {
  await writeFile(target, printed);
  console.log(`wrote ${path.relative(process.cwd(), target)}`);
}
