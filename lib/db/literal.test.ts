/**
 * textLiteral writes values into simple-protocol statements: whatever the
 * value, Postgres must read back exactly it, and nothing in it may end the
 * literal, whichever way the server reads backslashes.
 */
import { describe, expect, it } from "vitest";
import { asService } from "@/lib/db/client";
import { textLiteral } from "@/lib/db/literal";

const values = [
  "user:6c49a80b-28c4-41ec-a5b6-3de6f21c2cfb",
  "ip:2001:db8::1",
  "",
  "it's",
  "'); drop table generations; --",
  "back\\slash \\' and \\\\",
  '{"sub":"user_2abc","email":"o\'brien@example.com"}',
  "unicode: ünïcødé ✓ 𝄞",
  "$$ dollar $q$ quoted $$",
  "new\nline\ttab",
];

describe("textLiteral", () => {
  it.each(["on", "off"])("reads back every value exactly, with standard_conforming_strings %s", async (setting) => {
    const read = await asService(async (sql) => {
      await sql.unsafe(`set local standard_conforming_strings = ${setting}`);
      const [row] = (await sql.unsafe(`select array[${values.map((value) => String(textLiteral(value))).join(", ")}]::text[] as read`)) as unknown as { read: string[] }[];
      return row!.read;
    });
    expect(read).toEqual(values);
  });

  it("writes a value of letters, digits and :._@- as it is, anything else base64-encoded", () => {
    expect(String(textLiteral("user:6c49a80b-28c4-41ec-a5b6-3de6f21c2cfb"))).toBe("'user:6c49a80b-28c4-41ec-a5b6-3de6f21c2cfb'");
    expect(String(textLiteral("it's"))).toBe(`convert_from(decode('${Buffer.from("it's").toString("base64")}', 'base64'), 'UTF8')`);
    for (const value of values) expect(String(textLiteral(value))).toMatch(/^(?:'[A-Za-z0-9:._@-]*'|convert_from\(decode\('[A-Za-z0-9+/=]*', 'base64'\), 'UTF8'\))$/);
  });
});
