/**
 * How `samsa consume` prints a record: --format with kcat's placeholders, or one JSON
 * object per line (--json). Keys, values and header values print as UTF-8 text.
 *
 *   %t topic  %p partition  %o offset  %T timestamp (ms)  %k key  %v or %s value
 *   %K key bytes  %S value bytes  %h headers (k=v,k=v)  %% a percent sign
 *   \n \t \\ as in C
 */
import type { ConsumerRecord } from '@samsa/client';
import { UsageError } from './errors.js';

export const DEFAULT_FORMAT = '%v';

const text = (b: Buffer | null): string => (b === null ? '' : b.toString('utf8'));

const FIELDS: Record<string, (r: ConsumerRecord) => string> = {
  t: (r) => r.topic,
  p: (r) => String(r.partition),
  o: (r) => String(r.offset),
  T: (r) => String(r.timestamp),
  k: (r) => text(r.key),
  v: (r) => text(r.value),
  s: (r) => text(r.value),
  K: (r) => String(r.key?.length ?? -1),
  S: (r) => String(r.value?.length ?? -1),
  h: (r) => r.headers.map((h) => `${h.key}=${text(h.value)}`).join(','),
};

/** Compiles a --format string once into a function of the record (a usage error names an unknown placeholder). */
export function compileFormat(format: string): (r: ConsumerRecord) => string {
  const parts: Array<string | ((r: ConsumerRecord) => string)> = [];
  let literal = '';
  for (let i = 0; i < format.length; i++) {
    const ch = format[i]!;
    const next = format[i + 1];
    if (ch === '%' || ch === '\\') {
      if (next === undefined) throw new UsageError(`--format ends with a lone ${ch}; write ${ch}${ch} for a literal one`);
      i++;
      if (ch === '\\') literal += next === 'n' ? '\n' : next === 't' ? '\t' : next === '\\' ? '\\' : `\\${next}`;
      else if (next === '%') literal += '%';
      else {
        const field = FIELDS[next];
        if (!field) throw new UsageError(`--format has an unknown placeholder %${next}; use %t %p %o %T %k %v %K %S %h or %%`);
        if (literal) parts.push(literal);
        literal = '';
        parts.push(field);
      }
    } else literal += ch;
  }
  if (literal) parts.push(literal);
  return (r) => parts.map((p) => (typeof p === 'string' ? p : p(r))).join('');
}

/** The --json form of a record: one object per line. */
export function recordJson(r: ConsumerRecord): string {
  return JSON.stringify({
    topic: r.topic,
    partition: r.partition,
    offset: r.offset,
    timestamp: r.timestamp,
    timestampType: r.timestampType,
    key: r.key === null ? null : text(r.key),
    value: r.value === null ? null : text(r.value),
    headers: r.headers.map((h) => ({ key: h.key, value: h.value === null ? null : text(h.value) })),
  });
}
