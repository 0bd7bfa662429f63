import { NormalizedSchema } from '@smithy/core/schema';
const [pkg, name, maxDepth = '4'] = process.argv.slice(2);
const mod = await import(pkg);
const op = mod[name + '$'];
function walk(s, ind, depth, seen) {
  const ns = NormalizedSchema.of(s);
  if (depth > +maxDepth) return;
  if (ns.isStructSchema()) {
    for (const [m, ms] of ns.structIterator()) {
      const t = ms.getMergedTraits();
      const kind = ms.isListSchema() ? `list<${ms.getValueSchema().getMergedTraits().xmlName ?? 'member'}${t.xmlFlattened?' flat':''}>` : ms.isStructSchema() ? 'struct' : ms.isTimestampSchema() ? 'ts' : ms.isMapSchema() ? 'map' : ms.isNumericSchema() ? 'num' : ms.isBooleanSchema() ? 'bool' : 'str';
      console.log(`${ind}${m} xml=${t.xmlName ?? ''} ${kind} ${t.httpLabel?'label':''}${t.httpQuery?'query='+t.httpQuery:''}${t.jsonName?'json='+t.jsonName:''}`);
      const inner = ms.isListSchema() ? ms.getValueSchema() : ms.isMapSchema() ? ms.getValueSchema() : ms;
      if (inner.isStructSchema()) walk(inner, ind + '  ', depth + 1);
    }
  }
}
const ops = NormalizedSchema.of(op);
console.log('INPUT'); walk(op[4] ?? op.input, '  ', 0);
console.log('OUTPUT'); walk(op[5] ?? op.output, '  ', 0);
