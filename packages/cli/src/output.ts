/**
 * What commands print. With --json: exactly one JSON document on stdout (records of
 * `consume --json` are the exception: one object per line) and nothing else there; notes and
 * progress go to stderr. Otherwise: aligned tables for people, coloured only when stdout is a
 * terminal and NO_COLOR is unset (https://no-color.org).
 */
import pc from 'picocolors';

export type Colors = ReturnType<typeof pc.createColors>;

export function colorEnabled(stream: NodeJS.WriteStream = process.stdout): boolean {
  return stream.isTTY === true && !process.env.NO_COLOR;
}

export class Output {
  readonly c: Colors;

  constructor(readonly json: boolean) {
    this.c = pc.createColors(!json && colorEnabled());
  }

  /** The one JSON document of a --json run. */
  document(value: unknown): void {
    process.stdout.write(JSON.stringify(value, null, 2) + '\n');
  }

  line(text = ''): void {
    process.stdout.write(text + '\n');
  }

  /** A remark for a person (dry run, hints): stderr, so stdout stays the result. */
  note(text: string): void {
    process.stderr.write(text + '\n');
  }

  /** Columns padded to their widest cell; the header bold. An empty table prints `empty` instead. */
  table(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number | null>>, empty = '(none)'): void {
    if (rows.length === 0) {
      this.line(this.c.dim(empty));
      return;
    }
    const cells = rows.map((r) => r.map((v) => (v === null ? '-' : String(v))));
    const widths = header.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]!.length)));
    const fmt = (r: readonly string[]): string => r.map((v, i) => (i === r.length - 1 ? v : v.padEnd(widths[i]!))).join('  ');
    this.line(this.c.bold(fmt(header)));
    for (const r of cells) this.line(fmt(r));
  }

  /** "name: value" lines, names aligned. */
  fields(pairs: ReadonlyArray<readonly [string, string | number | null]>): void {
    const w = Math.max(...pairs.map(([k]) => k.length));
    for (const [k, v] of pairs) this.line(`${this.c.dim((k + ':').padEnd(w + 1))} ${v === null ? '-' : v}`);
  }
}
