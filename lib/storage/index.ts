/**
 * The process's file storage: Supabase Storage when SUPABASE_URL and
 * SUPABASE_SERVICE_ROLE_KEY are set, otherwise the local adapter under the
 * data folder. Callers depend on FileStorage only, never on which one runs.
 */
import type { Sql } from "@/lib/db/client";
import { getEnv } from "@/lib/env";
import { getLocalStorage, LocalStorage } from "@/lib/storage/local/adapter";
import { SupabaseStorage } from "@/lib/storage/supabase";
import type { FileStorage } from "@/lib/storage/types";

let storage: FileStorage | undefined;

function supabaseStorage(): SupabaseStorage | null {
  const { supabase } = getEnv();
  return supabase ? new SupabaseStorage({ url: supabase.url, serviceRoleKey: supabase.serviceRoleKey }) : null;
}

export function getStorage(): FileStorage {
  storage ??= supabaseStorage() ?? getLocalStorage();
  return storage;
}

/**
 * The same choice for a script with its own pool (the local adapter keeps
 * storage.objects in that database; Supabase Storage keeps its own).
 */
export function storageFor(db: Sql): FileStorage {
  const { dataDir, appUrl } = getEnv();
  return supabaseStorage() ?? new LocalStorage({ dataDir, appUrl, db });
}
