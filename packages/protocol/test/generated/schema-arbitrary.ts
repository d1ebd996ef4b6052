/**
 * fast-check arbitraries that build message values from the generated schema: every field
 * at a given version gets a random value of its type, or its default when the version lacks it.
 */
import fc from 'fast-check';
import { schema, type SchemaField, type SchemaMessage, type SchemaRange } from '../../src/generated/schema.js';

export const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

export function inRange(r: SchemaRange | null | undefined, v: number): boolean {
  return r != null && v >= r[0] && (r[1] === -1 || v <= r[1]);
}

export function messages(): readonly SchemaMessage[] {
  return schema;
}

export function versionsOf(m: SchemaMessage): number[] {
  const out: number[] = [];
  for (let v = m.versions[0]; v <= m.versions[1]; v++) out.push(v);
  return out;
}

function isArray(f: SchemaField): boolean {
  return f.type.startsWith('[]');
}

function baseType(f: SchemaField): string {
  return isArray(f) ? f.type.slice(2) : f.type;
}

const PRIMITIVE = new Set(['bool', 'int8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'float64', 'string', 'bytes', 'uuid', 'records']);

/** The value a decoder yields for a field the version does not carry. */
export function defaultValue(m: SchemaMessage, f: SchemaField): unknown {
  if (f.default === 'null') return null;
  if (isArray(f)) return [];
  const base = baseType(f);
  if (!PRIMITIVE.has(base)) {
    const out: Record<string, unknown> = {};
    for (const sf of m.structs[base]!) out[sf.name] = defaultValue(m, sf);
    return out;
  }
  const d = f.default;
  switch (base) {
    case 'bool':
      return d === 'true';
    case 'int64':
      return d === undefined ? 0n : BigInt(d);
    case 'string':
      return d ?? '';
    case 'uuid':
      return ZERO_UUID;
    case 'bytes':
    case 'records':
      return Buffer.alloc(0);
    default:
      return d === undefined ? 0 : Number(d);
  }
}

function primitive(base: string): fc.Arbitrary<unknown> {
  switch (base) {
    case 'bool':
      return fc.boolean();
    case 'int8':
      return fc.integer({ min: -128, max: 127 });
    case 'int16':
      return fc.integer({ min: -32768, max: 32767 });
    case 'uint16':
      return fc.integer({ min: 0, max: 65535 });
    case 'int32':
      return fc.integer();
    case 'uint32':
      return fc.integer({ min: 0, max: 0xffffffff });
    case 'int64':
      return fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
    case 'float64':
      return fc.double();
    case 'string':
      return fc.string({ unit: 'grapheme', maxLength: 12 });
    case 'uuid':
      return fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Buffer.from(b).toString('base64url'));
    case 'bytes':
    case 'records':
      return fc.uint8Array({ maxLength: 24 }).map((b) => Buffer.from(b));
    default:
      throw new Error(`not a primitive: ${base}`);
  }
}

/** A random value for every field of `fields` at version `v`, defaults where absent. */
export function structArbitrary(
  m: SchemaMessage,
  fields: readonly SchemaField[],
  v: number,
  depth = 0,
): fc.Arbitrary<Record<string, unknown>> {
  const flexible = inRange(m.flexible, v);
  const parts: Record<string, fc.Arbitrary<unknown>> = {};
  for (const f of fields) {
    const present = inRange(f.versions, v) && (!f.tagged || (flexible && inRange(f.tagged, v)));
    if (!present) {
      parts[f.name] = fc.constant(defaultValue(m, f));
      continue;
    }
    const base = baseType(f);
    let arb: fc.Arbitrary<unknown>;
    if (PRIMITIVE.has(base)) arb = primitive(base);
    else arb = depth > 4 ? fc.constant(defaultValue(m, { ...f, type: base })) : structArbitrary(m, m.structs[base]!, v, depth + 1);
    if (isArray(f)) arb = fc.array(arb, { maxLength: 3 });
    if (inRange(f.nullable, v)) arb = fc.option(arb, { nil: null, freq: 4 });
    parts[f.name] = arb;
  }
  return fc.record(parts, { noNullPrototype: true });
}
