/** Postora's mark, the same drawing as app/icon.svg (the favicon): decorative next to the name. */
export function Logo({ size = 28 }: { size?: number }) {
  return (
    <svg className="logo" width={size} height={size} viewBox="0 0 32 32" aria-hidden="true" focusable="false">
      <rect width="32" height="32" rx="8" fill="var(--brand)" />
      <path d="M11.5 24.5v-16h6a5 5 0 0 1 0 10h-6" fill="none" stroke="#fff" strokeWidth="3.4" strokeLinecap="round" strokeLinejoin="round" />
      <circle cx="23" cy="24" r="2.4" fill="var(--highlight)" />
    </svg>
  );
}
