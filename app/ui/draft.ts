"use client";
/**
 * Text a person is typing survives a reload and an expired session: it is
 * kept in localStorage under a key per form until the form is submitted.
 */
import { useEffect, useState } from "react";

export function useDraft<T>(key: string, initial: T): [T, (value: T) => void, () => void] {
  const storageKey = `postora.draft.${key}`;
  const [value, setValue] = useState<T>(initial);
  useEffect(() => {
    try {
      const saved = window.localStorage.getItem(storageKey);
      if (saved !== null) setValue(JSON.parse(saved) as T);
    } catch {
      /* unreadable draft: start fresh */
    }
  }, [storageKey]);
  const update = (next: T) => {
    setValue(next);
    try {
      window.localStorage.setItem(storageKey, JSON.stringify(next));
    } catch {
      /* storage full or disabled: the form still works */
    }
  };
  const clear = () => {
    setValue(initial);
    window.localStorage.removeItem(storageKey);
  };
  return [value, update, clear];
}
