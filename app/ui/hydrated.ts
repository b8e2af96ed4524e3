"use client";
import { useEffect, useState } from "react";

/**
 * False on the server and in the first client render. Forms keep their
 * submit buttons disabled until then, so a click that lands before React
 * has hydrated cannot submit the form natively (a GET with the fields in
 * the URL) instead of through the API.
 */
export function useHydrated(): boolean {
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  return hydrated;
}
