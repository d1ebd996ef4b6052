// Reads Kafka's JSON message definitions into a model the emitter walks.
// Plain JS on purpose: the generator must run on a fresh clone before anything is built.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Kafka's files are JSON with `//` line comments. */
function stripComments(text) {
  return text
    .split('\n')
    .map((line) => (/^\s*\/\//.test(line) ? '' : line))
    .join('\n');
}

/** "N", "N-M", "N+" or "none" -> { min, max } (max Infinity for "N+"), or null for none. */
export function parseVersions(text) {
  if (text === undefined || text === 'none') return null;
  const plus = /^(\d+)\+$/.exec(text);
  if (plus) return { min: Number(plus[1]), max: Infinity };
  const range = /^(\d+)-(\d+)$/.exec(text);
  if (range) return { min: Number(range[1]), max: Number(range[2]) };
  if (/^\d+$/.test(text)) return { min: Number(text), max: Number(text) };
  throw new Error(`bad version range ${JSON.stringify(text)}`);
}

export function lowerCamel(name) {
  // "ISRVersion" -> "isrVersion", "TopicId" -> "topicId"
  const m = /^([A-Z]+)([A-Z][a-z].*)$/.exec(name);
  if (m) return m[1].toLowerCase() + m[2];
  return name[0].toLowerCase() + name.slice(1);
}

const PRIMITIVES = new Set([
  'bool', 'int8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'float64', 'string', 'bytes', 'uuid', 'records',
]);

export function loadMessage(dir, file) {
  const raw = JSON.parse(stripComments(readFileSync(join(dir, file), 'utf8')));
  const valid = parseVersions(raw.validVersions);
  const flexible = parseVersions(raw.flexibleVersions);
  const structs = new Map(); // name -> { name, fields }
  const common = new Map();
  for (const c of raw.commonStructs ?? []) common.set(c.name, c);

  function field(f) {
    const isArray = f.type.startsWith('[]');
    const base = isArray ? f.type.slice(2) : f.type;
    const isPrimitive = PRIMITIVES.has(base);
    const out = {
      name: lowerCamel(f.name),
      specName: f.name,
      base,
      isArray,
      isStruct: !isPrimitive,
      versions: parseVersions(f.versions),
      nullable: parseVersions(f.nullableVersions),
      tagged: parseVersions(f.taggedVersions),
      tag: f.tag === undefined ? undefined : Number(f.tag),
      flexible: f.flexibleVersions === undefined ? undefined : parseVersions(f.flexibleVersions),
      ignorable: Boolean(f.ignorable),
      defaultText: f.default === undefined ? undefined : String(f.default),
    };
    if (!out.versions) throw new Error(`${file}: field ${f.name} has no versions`);
    if (out.isStruct) {
      const declared = f.fields ?? common.get(base)?.fields;
      if (declared && !structs.has(base)) structs.set(base, { name: base, fields: [] });
      if (declared && structs.get(base).fields.length === 0) {
        structs.get(base).fields = declared.map(field);
      }
      if (!declared && !structs.has(base)) throw new Error(`${file}: struct ${base} is never declared`);
    }
    return out;
  }

  const fields = raw.fields.map(field);
  return {
    file,
    name: raw.name,
    type: raw.type,
    apiKey: raw.apiKey,
    valid,
    flexible,
    latestVersionUnstable: Boolean(raw.latestVersionUnstable),
    fields,
    structs,
  };
}

export function loadSpecs(dir) {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => loadMessage(dir, f));
}
