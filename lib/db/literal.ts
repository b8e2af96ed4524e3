/**
 * Values inside simple-protocol statements. A statement sent without
 * parameters (postgres.js `unsafe(text)`) costs one round trip; one with
 * parameters costs two here, because with `prepare: false` (the Supabase
 * pooler in transaction mode) postgres.js describes every parameterised
 * statement before it binds it. Statements on the path of every request are
 * therefore sent as simple text. A value of letters, digits and `:._@-`
 * only (a rate-limit key, say) is written as it is: no quote or backslash,
 * so it reads the same whatever the server's string settings. Anything else
 * travels base64-encoded, a literal of [A-Za-z0-9+/=] only, which no value
 * can break out of. Short on purpose: a read's whole message must stay
 * under 1 KiB to go out as one packet (lib/db/client.ts userReads), and
 * base64 is a third longer than the value where hex was twice as long.
 */
const plain = /^[A-Za-z0-9:._@-]*$/;

export function textLiteral(value: string): string {
  if (plain.test(value)) return `'${value}'`;
  return `convert_from(decode('${Buffer.from(value, "utf8").toString("base64")}', 'base64'), 'UTF8')`;
}
