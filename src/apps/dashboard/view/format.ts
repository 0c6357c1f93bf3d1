/** Numbers and words as the dashboard shows them. */

export function percent(used: number, total: number): number {
  if (total <= 0) return 0;
  return Math.min(100, Math.max(0, Math.round((used / total) * 100)));
}

/** 4096 -> "4 GiB", 1536 -> "1.5 GiB", 512 -> "512 MiB" */
export function mib(value: number): string {
  if (value < 1024) return `${value} MiB`;
  return `${trim(value / 1024)} GiB`;
}

/** 2048.5 -> "2 TiB", 120 -> "120 GiB" */
export function gib(value: number): string {
  if (value < 1024) return `${trim(value)} GiB`;
  return `${trim(value / 1024)} TiB`;
}

function trim(value: number): string {
  return String(Math.round(value * 10) / 10);
}

/** How a status reads: "shutting_down" -> "shutting down". */
export function statusWords(status: string): string {
  return status.replace(/_/g, ' ');
}

/** The colour family of a status, for its pill. */
export function statusTone(status: string): 'ok' | 'off' | 'busy' | 'bad' {
  if (status === 'running') return 'ok';
  if (status === 'stopped') return 'off';
  if (['crashed', 'inaccessible', 'unknown', 'error', 'offline'].includes(status)) return 'bad';
  return 'busy';
}
