/**
 * Keeping v1 working for the clients built on it. The schema as published is
 * frozen in graphql/schema.v1.graphql; @graphql-inspector/core compares the
 * current printed schema with it, and every breaking change must be recorded
 * in graphql/CHANGELOG.md by an entry that names it and says what clients
 * should do. Additions and other safe changes need nothing.
 *
 * An entry in the changelog:
 *
 *     ## 2027-01-15: Generation.hasFile is replaced by Generation.file
 *     - Breaks: `Generation.hasFile`
 *     - What breaks: documents that select `hasFile` no longer validate.
 *     - Clients should: select `file { uploadedAt }` instead; `file` is null where `hasFile` was false.
 *
 * `Breaks:` names each change by the path the check prints (`Type`, `Type.field`,
 * `Type.field.argument`, `Enum.VALUE`), one or more per line, in backticks.
 */
import { CriticalityLevel, diff } from "@graphql-inspector/core";
import { buildSchema } from "graphql";

export type ChangelogEntry = { title: string; breaks: string[]; clientsShould: string };

type BreakingChange = { path: string; message: string };

export type CompatibilityReport = {
  /** Every breaking change from the frozen schema to the current one. */
  breaking: BreakingChange[];
  /** The breaking changes no complete changelog entry records: the check fails on these. */
  unrecorded: BreakingChange[];
};

/** The entries of graphql/CHANGELOG.md: `## ` headings, with their `Breaks:` paths and `Clients should:` text (code fences skipped). */
export function parseChangelog(markdown: string): ChangelogEntry[] {
  const entries: ChangelogEntry[] = [];
  let current: ChangelogEntry | null = null;
  let fenced = false;
  for (const line of markdown.split("\n")) {
    // Examples in code fences are not entries.
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    if (fenced || /^\s*(```|~~~)/.test(line)) continue;
    const heading = /^##\s+(.+)$/.exec(line);
    if (heading) {
      current = { title: heading[1]!.trim(), breaks: [], clientsShould: "" };
      entries.push(current);
      continue;
    }
    if (!current) continue;
    const breaks = /^\s*[-*]?\s*Breaks:\s*(.*)$/i.exec(line);
    if (breaks) current.breaks.push(...[...breaks[1]!.matchAll(/`([^`]+)`/g)].map((match) => match[1]!.trim()));
    const should = /^\s*[-*]?\s*Clients should:\s*(.*)$/i.exec(line);
    if (should) current.clientsShould = should[1]!.trim();
  }
  return entries;
}

export async function checkCompatibility(frozenSdl: string, currentSdl: string, changelog: string): Promise<CompatibilityReport> {
  const changes = await diff(buildSchema(frozenSdl), buildSchema(currentSdl));
  const breaking = changes
    .filter((change) => change.criticality.level === CriticalityLevel.Breaking)
    .map((change) => ({ path: change.path ?? change.message, message: change.message }));
  const recorded = new Set(
    parseChangelog(changelog)
      .filter((entry) => entry.clientsShould !== "")
      .flatMap((entry) => entry.breaks),
  );
  return { breaking, unrecorded: breaking.filter((change) => !recorded.has(change.path)) };
}
