// Emits the TypeScript for one message and its nested structs: two interfaces per struct
// (the decoded form, with every field, and the Input form the encoder accepts, where fields
// that some versions lack or that have defaults may be left out), a writer and a reader.

const NUMBER_TYPES = new Set(['int8', 'int16', 'uint16', 'int32', 'uint32', 'float64']);

function intersect(a, b) {
  if (!a || !b) return null;
  const min = Math.max(a.min, b.min);
  const max = Math.min(a.max, b.max);
  return min <= max ? { min, max } : null;
}

function covers(range, ctx) {
  return range !== null && range.min <= ctx.min && range.max >= ctx.max;
}

/** A JS condition on `v` that is true for versions in `range`, simplified within `ctx`. */
export function versionCond(range, ctx) {
  const r = intersect(range, ctx);
  if (!r) return 'false';
  if (r.min <= ctx.min && r.max >= ctx.max) return 'true';
  const parts = [];
  if (r.min > ctx.min) parts.push(`v >= ${r.min}`);
  if (r.max < ctx.max) parts.push(`v <= ${r.max}`);
  return parts.join(' && ');
}

export class StructEmitter {
  /**
   * @param msg the loaded message
   * @param typeName maps a spec struct name to its TS name
   */
  constructor(msg, typeName) {
    this.msg = msg;
    this.typeName = typeName;
    this.out = [];
    this.needDefault = new Set();
    this.needIsDefault = new Set();
    this.emitted = new Set();
  }

  tsBase(f, input) {
    switch (f.base) {
      case 'bool':
        return 'boolean';
      case 'int64':
        return 'bigint';
      case 'string':
      case 'uuid':
        return 'string';
      case 'bytes':
      case 'records':
        return input ? 'Uint8Array' : 'Buffer';
      default:
        if (NUMBER_TYPES.has(f.base)) return 'number';
        return this.typeName(f.base) + (input ? 'Input' : '');
    }
  }

  tsType(f, input) {
    let t = this.tsBase(f, input);
    if (f.isArray) t = `${t}[]`;
    if (f.nullable) t = `${t} | null`;
    return t;
  }

  defaultExpr(f) {
    if (f.defaultText === 'null') return 'null';
    if (f.isArray) return '[]';
    if (f.isStruct) {
      this.needDefault.add(f.base);
      return `default${this.typeName(f.base)}()`;
    }
    const d = f.defaultText;
    switch (f.base) {
      case 'bool':
        return d === 'true' ? 'true' : 'false';
      case 'int64':
        return `${d === undefined ? 0n : BigInt(d)}n`;
      case 'string':
        return JSON.stringify(d ?? '');
      case 'uuid':
        return 'c.ZERO_UUID';
      case 'bytes':
      case 'records':
        return 'c.EMPTY_BUFFER';
      default: {
        const n = d === undefined ? 0 : Number(d);
        if (!Number.isFinite(n)) throw new Error(`${this.msg.file}: bad default ${d} for ${f.name}`);
        return String(n);
      }
    }
  }

  /** A JS expression, true when `x` (possibly undefined) differs from the field's default. */
  notDefault(f, x) {
    const d = this.defaultExpr(f);
    if (d === 'null') return `(${x} !== undefined && ${x} !== null)`;
    if (f.isArray) return `(${x} !== undefined && (${x} === null || ${x}.length > 0))`;
    if (f.isStruct) {
      this.needIsDefault.add(f.base);
      return `(${x} !== undefined && (${x} === null || !isDefault${this.typeName(f.base)}(${x})))`;
    }
    if (f.base === 'bytes' || f.base === 'records') return `(${x} !== undefined && (${x} === null || ${x}.length > 0))`;
    return `(${x} !== undefined && ${x} !== ${d})`;
  }

  flexOf(f) {
    // A field may opt out of compact encoding (RequestHeader.ClientId).
    return f.flexible === null || !this.hasFlex ? 'false' : 'flex';
  }

  writeValue(f, x, ctx, nullableCond) {
    const flex = this.flexOf(f);
    const label = JSON.stringify(f.name);
    if (f.isArray) {
      const elem = { ...f, isArray: false, nullable: null };
      const each = `(w, e) => { ${this.writeScalar(elem, 'e', ctx, 'false')}; }`;
      return `c.wArr(w, ${flex}, ${nullableCond}, ${x}, ${label}, ${each})`;
    }
    return this.writeScalar(f, x, ctx, nullableCond);
  }

  writeScalar(f, x, ctx, nullableCond) {
    const flex = this.flexOf(f);
    const label = JSON.stringify(f.name);
    switch (f.base) {
      case 'string':
        return `c.wStr(w, ${flex}, ${nullableCond}, ${x}, ${label})`;
      case 'bytes':
      case 'records':
        return `c.wBytes(w, ${flex}, ${nullableCond}, ${x}, ${label})`;
      case 'bool':
      case 'int8':
      case 'int16':
      case 'uint16':
      case 'int32':
      case 'uint32':
      case 'int64':
      case 'float64':
      case 'uuid':
        return `w.${f.base}(${x})`;
      default: {
        const name = this.typeName(f.base);
        if (f.nullable) {
          return `{ const s = ${x}; if (s === null) { if (!(${nullableCond})) throw c.fieldNotInVersion(${JSON.stringify(name)}, ${label}, v); w.int8(-1); } else { w.int8(1); write${name}(w, v, s); } }`;
        }
        return `write${name}(w, v, ${x})`;
      }
    }
  }

  readValue(f, nullableCond, rv = 'r') {
    const flex = this.flexOf(f);
    const label = JSON.stringify(f.name);
    if (f.isArray) {
      const elem = { ...f, isArray: false, nullable: null };
      return `c.rArr(${rv}, ${flex}, ${nullableCond}, ${label}, (r) => ${this.readScalar(elem, 'false')})${f.nullable ? '' : '!'}`;
    }
    return this.readScalar(f, nullableCond, rv);
  }

  readScalar(f, nullableCond, r = 'r') {
    const flex = this.flexOf(f);
    const label = JSON.stringify(f.name);
    const bang = f.nullable ? '' : '!';
    switch (f.base) {
      case 'string':
        return `c.rStr(${r}, ${flex}, ${nullableCond}, ${label})${bang}`;
      case 'bytes':
      case 'records':
        return `c.rBytes(${r}, ${flex}, ${nullableCond}, ${label})${bang}`;
      case 'bool':
      case 'int8':
      case 'int16':
      case 'uint16':
      case 'int32':
      case 'uint32':
      case 'int64':
      case 'float64':
      case 'uuid':
        return `${r}.${f.base}()`;
      default: {
        const name = this.typeName(f.base);
        if (f.nullable) return `(c.rPresent(${r}) ? read${name}(${r}, v) : null)`;
        return `read${name}(${r}, v)`;
      }
    }
  }

  /**
   * The versions in which each struct can appear: the hull over all its uses, since a common
   * struct may be used under fields of different version ranges.
   */
  structContexts(fields, ctx, hulls = new Map()) {
    for (const f of fields) {
      if (!f.isStruct) continue;
      const use = intersect(f.versions, ctx) ?? f.versions;
      const old = hulls.get(f.base);
      const hull = old ? { min: Math.min(old.min, use.min), max: Math.max(old.max, use.max) } : use;
      if (old && old.min === hull.min && old.max === hull.max) continue;
      hulls.set(f.base, hull);
      this.structContexts(this.msg.structs.get(f.base).fields, hull, hulls);
    }
    return hulls;
  }

  /** Emits interfaces, writer and reader for a struct whose fields exist within `ctx`. */
  emitStruct(specName, fields, ctx, top) {
    const name = top ? specName : this.typeName(specName);
    if (this.emitted.has(name)) return;
    this.emitted.add(name);
    if (top) this.hulls = this.structContexts(fields, ctx);
    // Every field is kept, even one outside this context: it is then always its default.
    const present = fields;
    for (const f of present) {
      if (f.isStruct) {
        const s = this.msg.structs.get(f.base);
        this.emitStruct(f.base, s.fields, this.hulls.get(f.base), false);
      }
    }
    const o = this.out;
    o.push(`export interface ${name} {`);
    for (const f of present) o.push(`  ${f.name}: ${this.tsType(f, false)};`);
    o.push('}', '');
    o.push(`export interface ${name}Input {`);
    for (const f of present) {
      const optional = !covers(f.versions, ctx) || f.defaultText !== undefined || f.tagged !== null;
      o.push(`  ${f.name}${optional ? '?' : ''}: ${this.tsType(f, true)};`);
    }
    o.push('}', '');
    this.emitWriter(name, present, ctx);
    this.emitReader(name, present, ctx);
  }

  flexDecl(ctx) {
    return `const flex = ${versionCond(this.msg.flexible, ctx)};`;
  }

  emitWriter(name, fields, ctx) {
    const o = this.out;
        o.push(`function write${name}(w: Writer, v: number, m: ${name}Input): void {`);
    const hasFlex = Boolean(this.msg.flexible && intersect(this.msg.flexible, ctx));
    this.hasFlex = hasFlex;
    if (hasFlex) o.push(`  ${this.flexDecl(ctx)}`);
    const tagged = [];
    for (const f of fields) {
      if (f.tagged) {
        tagged.push(f);
        continue;
      }
      const inVersion = versionCond(f.versions, ctx);
      const optional = !covers(f.versions, ctx) || f.defaultText !== undefined;
      const x = optional ? `(m.${f.name} === undefined ? ${this.defaultExpr(f)} : m.${f.name})` : `m.${f.name}`;
      const nullableCond = f.nullable ? versionCond(f.nullable, ctx) : 'false';
      const write = this.writeValue(f, x, ctx, nullableCond);
      if (inVersion === 'true') {
        o.push(`  ${write};`);
      } else {
        o.push(`  if (${inVersion}) {`, `    ${write};`);
        if (!f.ignorable) {
          o.push(`  } else if (${this.notDefault(f, `m.${f.name}`)}) {`);
          o.push(`    throw c.fieldNotInVersion(${JSON.stringify(name)}, ${JSON.stringify(f.name)}, v);`);
        }
        o.push('  }');
      }
    }
    if (hasFlex) {
      o.push('  if (flex) {');
      tagged.sort((a, b) => a.tag - b.tag);
      const conds = [];
      for (const f of tagged) {
        const t = `t${f.tag}`;
        o.push(`    const ${t} = ${versionCond(f.tagged, ctx)} && ${this.notDefault(f, `m.${f.name}`)};`);
        conds.push(t);
      }
      o.push(`    w.unsignedVarint(${conds.length ? conds.map((t) => `(${t} ? 1 : 0)`).join(' + ') : '0'});`);
      for (const f of tagged) {
        const nullableCond = f.nullable ? versionCond(f.nullable, ctx) : 'false';
        const write = this.writeValue(f, `m.${f.name}!`, ctx, nullableCond);
        o.push(`    if (t${f.tag}) c.wTag(w, ${f.tag}, (w) => { ${write}; });`);
      }
      o.push('  }');
    }
    o.push('}', '');
  }

  emitReader(name, fields, ctx) {
    const o = this.out;
        o.push(`function read${name}(r: Reader, v: number): ${name} {`);
    const hasFlex = Boolean(this.msg.flexible && intersect(this.msg.flexible, ctx));
    this.hasFlex = hasFlex;
    if (hasFlex) o.push(`  ${this.flexDecl(ctx)}`);
    const tagged = [];
    for (const f of fields) {
      if (f.tagged) {
        tagged.push(f);
        continue;
      }
      const inVersion = versionCond(f.versions, ctx);
      const nullableCond = f.nullable ? versionCond(f.nullable, ctx) : 'false';
      const read = this.readValue(f, nullableCond);
      const value = inVersion === 'true' ? read : `${inVersion} ? ${read} : ${this.defaultExpr(f)}`;
      o.push(`  const ${f.name}_ = ${value};`);
    }
    const entries = fields.map((f) => (f.tagged ? `${f.name}: ${this.defaultExpr(f)}` : `${f.name}: ${f.name}_`));
    o.push(`  const m: ${name} = { ${entries.join(', ')} };`);
    if (hasFlex) {
      if (!tagged.length) {
        // No tagged fields known here: unknown ones are skipped, never fatal.
        o.push('  if (flex) c.skipTags(r);', '  return m;', '}', '');
        return;
      }
      o.push('  if (flex) {');
      o.push('    for (let n = r.unsignedVarint(); n > 0; n--) {');
      o.push('      const tag = r.unsignedVarint();');
      o.push('      const sub = c.rTagWindow(r);');
      {
        o.push('      switch (tag) {');
        for (const f of tagged.sort((a, b) => a.tag - b.tag)) {
          const nullableCond = f.nullable ? versionCond(f.nullable, ctx) : 'false';
          const read = this.readValue(f, nullableCond, 'sub');
          o.push(`        case ${f.tag}: if (${versionCond(f.tagged, ctx)}) m.${f.name} = ${read}; break;`);
        }
        o.push('      }');
      }
      o.push('    }');
      o.push('  }');
    }
    o.push('  return m;', '}', '');
  }

  /** default<Struct>() and isDefault<Struct>() for the structs that tagged or absent fields need. */
  emitDefaults() {
    const done = new Set();
    let progress = true;
    while (progress) {
      progress = false;
      for (const base of [...this.needDefault, ...this.needIsDefault]) {
        if (done.has(base)) continue;
        done.add(base);
        progress = true;
        const s = this.msg.structs.get(base);
        const name = this.typeName(base);
        const o = this.out;
        if (this.needDefault.has(base)) {
          o.push(`function default${name}(): ${name} {`);
          o.push(`  return { ${s.fields.map((f) => `${f.name}: ${this.defaultExpr(f)}`).join(', ')} };`);
          o.push('}', '');
        }
        if (this.needIsDefault.has(base)) {
          o.push(`function isDefault${name}(m: ${name}Input): boolean {`);
          o.push(`  return ${s.fields.map((f) => `!${this.notDefault(f, `m.${f.name}`)}`).join(' && ') || 'true'};`);
          o.push('}', '');
        }
      }
    }
  }
}
