/**
 * The API's errors, as the dashboard shows them: validation problems next to
 * the field they name (extensions.fields / extensions.field, e.g.
 * `input.inputContent`), everything else as one message.
 */
import type { CombinedError } from "@urql/next";

export type FormErrors = { fields: Record<string, string>; form: string | null };

export function formErrors(error: CombinedError | undefined): FormErrors {
  const result: FormErrors = { fields: {}, form: null };
  if (!error) return result;
  if (error.networkError && !error.graphQLErrors.length) {
    result.form = "Could not reach the API. Check your connection and try again.";
    return result;
  }
  const general: string[] = [];
  for (const graphQLError of error.graphQLErrors) {
    const extensions = graphQLError.extensions as { code?: string; field?: string; fields?: { field: string; message: string }[] };
    const fields = extensions.fields ?? (extensions.field ? [{ field: extensions.field, message: graphQLError.message }] : []);
    if (fields.length) {
      for (const { field, message } of fields) result.fields[field.replace(/^input\./, "")] ??= message;
    } else {
      general.push(graphQLError.message);
    }
  }
  result.form = general.length ? general.join(" ") : null;
  return result;
}

export function messageOf(error: CombinedError | undefined): string | null {
  if (!error) return null;
  const { fields, form } = formErrors(error);
  return [form, ...Object.entries(fields).map(([field, message]) => `${field}: ${message}`)].filter(Boolean).join(" ") || error.message;
}
