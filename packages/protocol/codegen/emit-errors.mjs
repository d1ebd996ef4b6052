// Emits the Kafka error-code table from errors.tsv (code, name, retriable).

export function emitErrors(tsv) {
  const rows = tsv
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => {
      const [code, name, retriable] = line.split('\t');
      if (!/^-?\d+$/.test(code) || !/^[A-Z0-9_]+$/.test(name) || !/^(true|false)$/.test(retriable)) {
        throw new Error(`bad errors.tsv row: ${JSON.stringify(line)}`);
      }
      return { code: Number(code), name, retriable: retriable === 'true' };
    })
    .sort((a, b) => a.code - b.code);
  const lines = [];
  lines.push('/** Kafka protocol error codes by name. */');
  lines.push('export const ErrorCode = {');
  for (const r of rows) lines.push(`  ${r.name}: ${r.code},`);
  lines.push('} as const;');
  lines.push('export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];');
  lines.push('export type ErrorName = keyof typeof ErrorCode;');
  lines.push('');
  lines.push('export interface ErrorInfo {');
  lines.push('  readonly code: number;');
  lines.push('  readonly name: ErrorName;');
  lines.push('  readonly retriable: boolean;');
  lines.push('}');
  lines.push('');
  lines.push('export const errorTable: ReadonlyMap<number, ErrorInfo> = new Map<number, ErrorInfo>([');
  for (const r of rows) lines.push(`  [${r.code}, { code: ${r.code}, name: '${r.name}', retriable: ${r.retriable} }],`);
  lines.push(']);');
  lines.push('');
  return lines.join('\n');
}
