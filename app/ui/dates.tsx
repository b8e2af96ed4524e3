"use client";
/**
 * Dates as the person reads them: their browser's locale and time zone
 * (Intl.DateTimeFormat with no locale given). The server knows neither, so
 * the first render shows the UTC date in ISO form and the local wording
 * replaces it after hydration: server and client render the same markup.
 */
import { useHydrated } from "@/app/ui/hydrated";

const STYLES = {
  date: { dateStyle: "medium" },
  datetime: { dateStyle: "medium", timeStyle: "short" },
} satisfies Record<string, Intl.DateTimeFormatOptions>;

export type DateStyle = keyof typeof STYLES;

/** The date in the browser's locale and time zone, e.g. "5 Jan 2027" (en-GB) or "Jan 5, 2027" (en-US). */
function localDate(value: string | Date, style: DateStyle = "datetime"): string {
  return new Intl.DateTimeFormat(undefined, STYLES[style]).format(new Date(value));
}

/** A <time> that names the instant exactly and reads in the person's own locale and time zone once hydrated. */
export function LocalTime({ value, style = "datetime" }: { value: string; style?: DateStyle }) {
  const hydrated = useHydrated();
  const iso = new Date(value).toISOString();
  return <time dateTime={iso}>{hydrated ? localDate(value, style) : iso.slice(0, style === "date" ? 10 : 16).replace("T", " ")}</time>;
}
