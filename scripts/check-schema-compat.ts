/**
 * `npm run schema:check` (part of `npm test`): fails when graphql/schema.graphql
 * breaks a client of v1 (graphql/schema.v1.graphql) without an entry in
 * graphql/CHANGELOG.md that names the change and says what clients should do.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { checkCompatibility } from "@/graphql/compatibility";

const dir = path.resolve(import.meta.dirname, "../graphql");
const [frozen, current, changelog] = await Promise.all(
  ["schema.v1.graphql", "schema.graphql", "CHANGELOG.md"].map((file) => readFile(path.join(dir, file), "utf8")),
);
const { breaking, unrecorded } = await checkCompatibility(frozen!, current!, changelog!);

if (unrecorded.length) {
  console.error(`graphql/schema.graphql breaks v1 in ${unrecorded.length} way(s) that graphql/CHANGELOG.md does not record:\n`);
  for (const change of unrecorded) console.error(`  ${change.path}: ${change.message}`);
  console.error(
    "\nIf the break is intended, add an entry to graphql/CHANGELOG.md (see its top) with a `Breaks:` line naming" +
      ` ${unrecorded.map((change) => `\`${change.path}\``).join(", ")} and a \`Clients should:\` line. Otherwise keep the old shape.`,
  );
  process.exit(1);
}
console.log(`graphql/schema.graphql keeps v1 working (${breaking.length} recorded breaking change(s))`);
