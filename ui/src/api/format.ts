/** Number formatting shared by the pages. */

const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });

export function formatInt(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : integer.format(value);
}

/** Credits keep up to 6 decimals (micro-credits), trimmed of trailing zeros, at least 2. */
export function formatCredits(value: number | string | null | undefined): string {
  if (value === null || value === undefined || value === '') return '—';
  const n = Number(value);
  if (!Number.isFinite(n)) return String(value);
  return n.toLocaleString(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 6 });
}

export function formatMillis(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${integer.format(value)} ms`;
}

/** "+12.5%", "−3%", or "new" when there was nothing in the previous period. */
export function formatChange(percent: number | null | undefined): { text: string; trend: 'up' | 'down' | 'flat' | 'new' } {
  if (percent === null || percent === undefined) return { text: 'new', trend: 'new' };
  const n = Number(percent);
  if (n === 0) return { text: '0%', trend: 'flat' };
  const magnitude = Math.abs(n).toLocaleString(undefined, { maximumFractionDigits: 1 });
  return n > 0 ? { text: `+${magnitude}%`, trend: 'up' } : { text: `−${magnitude}%`, trend: 'down' };
}

export function formatDateTime(value: string | null | undefined): string {
  if (!value) return '—';
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toLocaleString();
}
