/**
 * Values inside simple-protocol statements. A statement sent without
 * parameters (postgres.js `unsafe(text)`) costs one round trip; one with
 * parameters costs two here, because with `prepare: false` (the Supabase
 * pooler in transaction mode) postgres.js describes every parameterised
 * statement before it binds it. Statements on the path of every request are
 * therefore sent as simple text, and a value travels hex-encoded: a literal
 * of [0-9a-f] only, which no value can break out of, whatever the server's
 * string settings (openTransactionStatement in lib/db/client.ts does the same
 * for the JWT claims).
 */
export function textLiteral(value: string): string {
  return `convert_from(decode('${Buffer.from(value, "utf8").toString("hex")}', 'hex'), 'UTF8')`;
}
