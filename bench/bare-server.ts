/**
 * The benchmark's "bare node:http" limit: the same work as
 * app/api/bench/limit (verify the JWT with Clerk's networkless verifyToken,
 * one RLS statement on the same driver and database), with nothing but
 * node:http around it. Started by bench/http.ts with the server's own
 * environment; listens on BARE_PORT.
 */
import { createServer } from "node:http";
import { createTokenVerifier, verifierConfigFor } from "@/lib/auth/verify";
import { verifyAndList } from "@/lib/bench/limit";
import { createPool } from "@/lib/db/client";
import { getEnv } from "@/lib/env";

const env = getEnv();
const verify = createTokenVerifier(await verifierConfigFor(env));
const db = createPool(env.databaseUrl!, { max: 10 });

const server = createServer((req, res) => {
  verifyAndList(req.headers.authorization ?? null, verify, db).then(
    async (response) => {
      res.writeHead(response.status, { "content-type": "application/json" });
      res.end(Buffer.from(await response.arrayBuffer()));
    },
    (error: unknown) => {
      res.writeHead(500).end(String(error));
    },
  );
});
server.listen(Number(process.env.BARE_PORT), "127.0.0.1", () => console.log("bare server listening"));
process.on("SIGTERM", () => server.close(() => void db.end().then(() => process.exit(0))));
