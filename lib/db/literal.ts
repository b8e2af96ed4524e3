/**
 * SQL text that is safe by construction, for statements sent without
 * parameters (readOnce in lib/db/client.ts, the rate limit's counter).
 *
 * A statement sent as plain text needs one round trip; one with bound
 * parameters needs two here, because with `prepare: false` (the Supabase
 * pooler in transaction mode) postgres.js describes every parameterised
 * statement before it binds it. So the few statements on the path of every
 * request are written as text, and this module is the only way to write
 * one: `sqlText` takes its SQL from a tagged template in our own source
 * code, and anything interpolated must be another SqlText, made by one of
 * the encoders below. No string from outside can become SQL.
 */

// Only this module holds the key that makes a SqlText: everything else gets one from the functions below.
const key = Symbol("SqlText");

/** A piece of SQL made only of our own text and encoded values. */
export class SqlText {
  readonly #text: string;

  constructor(text: string, madeHere: symbol) {
    if (madeHere !== key) throw new TypeError("SqlText is made by lib/db/literal.ts only (sqlText`...` and the encoders)");
    this.#text = text;
  }

  toString(): string {
    return this.#text;
  }
}

const checked = (text: string) => new SqlText(text, key);

/**
 * SQL written in our source code, with SqlText parts interpolated:
 * sqlText`select ${columns} from generations where status = ${text(status)}`.
 * The literal strings of a tagged template come from the code, never from a
 * caller, which is why this is a tag and not a function of a string.
 */
export function sqlText(strings: TemplateStringsArray, ...parts: SqlText[]): SqlText {
  if (!Array.isArray(strings.raw)) throw new TypeError("sqlText is a template tag: sqlText`...`");
  let text = strings[0]!;
  parts.forEach((part, index) => {
    if (!(part instanceof SqlText)) throw new TypeError("sqlText: only SqlText values may be interpolated; encode the value first");
    text += part.toString() + strings[index + 1]!;
  });
  return checked(text);
}

export const emptySql = checked("");

const plain = /^[A-Za-z0-9:._@-]*$/;

/**
 * A string value. Letters, digits and `:._@-` only (a uuid, an instant, an
 * enum value, a rate-limit key) are written as they are: no quote or
 * backslash, so they read the same whatever the server's string settings.
 * Anything else travels base64-encoded, a literal of [A-Za-z0-9+/=] only,
 * which no value can break out of.
 */
export function textLiteral(value: string): SqlText {
  if (plain.test(value)) return checked(`'${value}'`);
  return checked(`convert_from(decode('${Buffer.from(value, "utf8").toString("base64")}', 'base64'), 'UTF8')`);
}

/** A whole number, written as digits; anything else is refused. */
export function integerLiteral(value: number): SqlText {
  if (!Number.isSafeInteger(value)) throw new TypeError(`integerLiteral: not a whole number: ${value}`);
  return checked(String(value));
}

/** Column names (lower-case identifiers), comma-separated; anything else is refused. */
export function columnList(names: readonly string[]): SqlText {
  for (const name of names) if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new TypeError(`columnList: not a plain column name: ${name}`);
  return checked(names.join(", "));
}
