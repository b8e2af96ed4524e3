/**
 * The process's file storage: Supabase Storage when SUPABASE_URL and
 * SUPABASE_SERVICE_ROLE_KEY are set, otherwise the local adapter under the
 * data folder. Callers depend on FileStorage only, never on which one runs.
 */
import { getEnv } from "@/lib/env";
import { getLocalStorage } from "@/lib/storage/local";
import { SupabaseStorage } from "@/lib/storage/supabase";
import type { FileStorage } from "@/lib/storage/types";

let storage: FileStorage | undefined;

export function getStorage(): FileStorage {
  if (!storage) {
    const { supabase } = getEnv();
    storage = supabase ? new SupabaseStorage({ url: supabase.url, serviceRoleKey: supabase.serviceRoleKey }) : getLocalStorage();
  }
  return storage;
}
