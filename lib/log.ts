/**
 * A tiny structured logger: one JSON line per event on stderr, so request ids
 * and sources can be grepped in any log drain. Child loggers carry their
 * source (and optionally a request id) on every line.
 */
type Level = "debug" | "info" | "warn" | "error";
const order: Record<Level | "silent", number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export type Logger = {
  [L in Level]: (message: string, fields?: Record<string, unknown>) => void;
} & { child: (fields: Record<string, unknown>) => Logger };

// Read directly, not through lib/env: logging must work even when the
// configuration is invalid, which is exactly when its errors are logged.
function threshold(): number {
  const configured = (process.env.LOG_LEVEL ?? "info") as keyof typeof order;
  return order[configured] ?? order.info;
}

function serialise(value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  return value;
}

function make(bound: Record<string, unknown>): Logger {
  const write = (level: Level) => (message: string, fields: Record<string, unknown> = {}) => {
    if (order[level] < threshold()) return;
    const entry: Record<string, unknown> = { time: new Date().toISOString(), level, ...bound, message };
    for (const [key, value] of Object.entries(fields)) entry[key] = serialise(value);
    process.stderr.write(`${JSON.stringify(entry)}\n`);
  };
  return {
    debug: write("debug"),
    info: write("info"),
    warn: write("warn"),
    error: write("error"),
    child: (fields) => make({ ...bound, ...fields }),
  };
}

export const logger = make({});
