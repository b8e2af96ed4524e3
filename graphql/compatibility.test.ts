/**
 * The v1 compatibility check (npm run schema:check) on the real files, and on
 * small schemas that show it fails and passes when it should.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkCompatibility, parseChangelog } from "@/graphql/compatibility";

const read = (file: string) => readFileSync(new URL(`./${file}`, import.meta.url), "utf8");

const v1 = `
"""Root."""
type Query {
  """A generation."""
  generation(id: ID!): Generation
}
"""A generation."""
type Generation {
  """Its id."""
  id: ID!
  """Whether the image is there."""
  hasFile: Boolean!
}
`;

const withoutHasFile = v1.replace('  """Whether the image is there."""\n  hasFile: Boolean!\n', "");
const withAnAddition = v1.replace("  hasFile: Boolean!\n", '  hasFile: Boolean!\n  """New."""\n  status: String\n');

const entry = (lines: string) => `# API changelog\n\n## 2027-01-15: hasFile goes\n${lines}\n\n## 2026-12-01: v1\n\nThe first.\n`;

describe("the v1 schema check", () => {
  it("passes the committed schema against the frozen v1, with the committed changelog", async () => {
    const report = await checkCompatibility(read("schema.v1.graphql"), read("schema.graphql"), read("CHANGELOG.md"));
    expect(report.unrecorded).toEqual([]);
  });

  it("fails a breaking change that the changelog does not record", async () => {
    const report = await checkCompatibility(v1, withoutHasFile, entry("Nothing about it."));
    expect(report.unrecorded).toEqual([{ path: "Generation.hasFile", message: expect.stringMatching(/hasFile.*removed/) }]);
  });

  it("fails it when the entry names it but does not say what clients should do", async () => {
    const report = await checkCompatibility(v1, withoutHasFile, entry("- Breaks: `Generation.hasFile`\n- What breaks: documents selecting it."));
    expect(report.unrecorded.map((change) => change.path)).toEqual(["Generation.hasFile"]);
  });

  it("fails it when only an example in a code fence names it", async () => {
    const example = "```md\n## 2027-01-15: example\n- Breaks: `Generation.hasFile`\n- Clients should: stop.\n```";
    const report = await checkCompatibility(v1, withoutHasFile, entry(example));
    expect(report.unrecorded.map((change) => change.path)).toEqual(["Generation.hasFile"]);
  });

  it("passes it with an entry that names it and says what clients should do", async () => {
    const changelog = entry("- Breaks: `Generation.hasFile`\n- What breaks: documents selecting it.\n- Clients should: select `status` instead.");
    const report = await checkCompatibility(v1, withoutHasFile, changelog);
    expect(report.breaking.map((change) => change.path)).toEqual(["Generation.hasFile"]);
    expect(report.unrecorded).toEqual([]);
  });

  it("passes a safe addition without any entry", async () => {
    const report = await checkCompatibility(v1, withAnAddition, "# API changelog\n");
    expect(report).toEqual({ breaking: [], unrecorded: [] });
  });

  it("reads entries: titles, every path on Breaks lines, and the Clients should text", () => {
    expect(parseChangelog("## A\n- Breaks: `X.a`, `Y`\n- Clients should: do b.\n## B\ntext")).toEqual([
      { title: "A", breaks: ["X.a", "Y"], clientsShould: "do b." },
      { title: "B", breaks: [], clientsShould: "" },
    ]);
  });
});
