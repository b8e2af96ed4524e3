import { describe, expect, it } from "vitest";
import { checkBucketName, checkObjectPath, encodeObjectPath, InvalidObjectPathError } from "@/lib/storage/paths";
import { generationObjectPath } from "@/lib/storage/types";

describe("object paths", () => {
  it("accepts the paths the API stores and Supabase's usual characters", () => {
    const generated = generationObjectPath("7d0c2a4e-0000-4000-8000-000000000001", "9b1f0000-0000-4000-8000-000000000002");
    expect(checkObjectPath(generated)).toEqual(["7d0c2a4e-0000-4000-8000-000000000001", "generation-9b1f0000-0000-4000-8000-000000000002.png"]);
    expect(checkObjectPath("folder/sub folder/file (1)!.png")).toHaveLength(3);
  });

  it("rejects empty, relative, absolute and oddly spelled paths, naming the problem", () => {
    expect(() => checkObjectPath("")).toThrow(/the path is empty/);
    expect(() => checkObjectPath("/a.png")).toThrow(/empty segment/);
    expect(() => checkObjectPath("a/../b.png")).toThrow(/"\.\." segments are not allowed/);
    expect(() => checkObjectPath("a/%2e%2e/b.png")).toThrow(InvalidObjectPathError);
    expect(() => checkObjectPath("a\\b.png")).toThrow(InvalidObjectPathError);
    expect(() => checkObjectPath("é.png")).toThrow(InvalidObjectPathError);
    expect(() => checkObjectPath(`${"a".repeat(1025)}`)).toThrow(/longer than 1024/);
  });

  it("checks bucket names and encodes paths segment by segment", () => {
    expect(() => checkBucketName("postora-generations")).not.toThrow();
    for (const bad of ["", ".partial", "a/b", "..", "x".repeat(64)]) expect(() => checkBucketName(bad)).toThrow(InvalidObjectPathError);
    expect(encodeObjectPath("a b/c+d.png")).toBe("a%20b/c%2Bd.png");
  });
});
