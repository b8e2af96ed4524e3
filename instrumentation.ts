/**
 * Runs once when the Next.js server starts. The Node-only start-up checks
 * live in their own module so the edge bundle never sees them.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    await import("@/lib/startup");
  }
}
