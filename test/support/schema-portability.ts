/**
 * The tool-schema portability rules of MCP Inspector 2.12's `--strict` check (its
 * `core/json/schemaLint.ts`), re-stated for tests: a `type` array (`type-union`), a `$ref`
 * outside the document (`remote-ref`), a schema with no validation keyword at all
 * (`untyped-schema`, except directly under `not`) and a bare boolean where a schema object
 * is expected (`boolean-schema`, except as the value of `additionalProperties` and kin).
 */

export interface PortabilityFinding {
  readonly tool: string;
  readonly rule: 'type-union' | 'remote-ref' | 'untyped-schema' | 'boolean-schema';
  readonly path: string;
}

const BOOLEAN_VALUED = new Set([
  'additionalProperties',
  'unevaluatedProperties',
  'additionalItems',
  'unevaluatedItems',
]);
const SUBSCHEMA = [
  'items',
  'contains',
  'not',
  'propertyNames',
  'if',
  'then',
  'else',
  'additionalProperties',
  'unevaluatedProperties',
  'additionalItems',
  'unevaluatedItems',
  'contentSchema',
];
const SUBSCHEMA_ARRAYS = ['allOf', 'anyOf', 'oneOf', 'prefixItems'];
const SUBSCHEMA_MAPS = [
  'properties',
  'patternProperties',
  'dependentSchemas',
  'dependencies',
  '$defs',
  'definitions',
];
const CONSTRAINING = new Set([
  'type',
  'enum',
  'const',
  'multipleOf',
  'maximum',
  'exclusiveMaximum',
  'minimum',
  'exclusiveMinimum',
  'maxLength',
  'minLength',
  'pattern',
  'format',
  'contentMediaType',
  'contentEncoding',
  'contentSchema',
  'maxItems',
  'minItems',
  'uniqueItems',
  'maxContains',
  'minContains',
  'maxProperties',
  'minProperties',
  'required',
  'dependentRequired',
  'allOf',
  'anyOf',
  'oneOf',
  'not',
  'items',
  'prefixItems',
  'contains',
  'additionalItems',
  'unevaluatedItems',
  'properties',
  'patternProperties',
  'additionalProperties',
  'unevaluatedProperties',
  'propertyNames',
  'dependentSchemas',
  'dependencies',
  '$ref',
  '$dynamicRef',
  '$recursiveRef',
]);

type Node = Record<string, unknown>;
const isNode = (value: unknown): value is Node =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function children(node: Node, path: string): [unknown, string, string][] {
  const out: [unknown, string, string][] = [];
  for (const key of SUBSCHEMA_MAPS) {
    const map = node[key];
    if (isNode(map))
      for (const [name, sub] of Object.entries(map)) out.push([sub, `${path}.${key}.${name}`, key]);
  }
  for (const key of SUBSCHEMA_ARRAYS) {
    const list = node[key];
    if (Array.isArray(list))
      for (const [i, sub] of list.entries()) out.push([sub, `${path}.${key}[${i}]`, key]);
  }
  for (const key of SUBSCHEMA) {
    if (!(key in node)) continue;
    const value = node[key];
    if (key === 'items' && Array.isArray(value))
      for (const [i, sub] of value.entries()) out.push([sub, `${path}.items[${i}]`, key]);
    else out.push([value, `${path}.${key}`, key]);
  }
  return out;
}

function hasEmbeddedId(node: unknown): boolean {
  if (!isNode(node)) return false;
  if (typeof node.$id === 'string' && node.$id !== '') return true;
  return children(node, '').some(([child]) => hasEmbeddedId(child));
}

function walk(
  node: unknown,
  path: string,
  keyword: string | undefined,
  report: (rule: PortabilityFinding['rule'], path: string) => void,
  embeddedIds: boolean,
): void {
  if (typeof node === 'boolean') {
    if (keyword === undefined || !BOOLEAN_VALUED.has(keyword)) report('boolean-schema', path);
    return;
  }
  if (!isNode(node)) return;
  if (Array.isArray(node.type)) report('type-union', path);
  if (typeof node.$ref === 'string' && node.$ref !== '' && !node.$ref.startsWith('#') && !embeddedIds)
    report('remote-ref', path);
  const constrains =
    Object.keys(node).some((key) => CONSTRAINING.has(key)) ||
    ('if' in node && ('then' in node || 'else' in node));
  if (!constrains && keyword !== 'not') report('untyped-schema', path);
  for (const [child, childPath, childKeyword] of children(node, path))
    walk(child, childPath, childKeyword, report, embeddedIds);
}

/** Every finding over the input and output schema of each listed tool. */
export function lintToolSchemas(
  tools: readonly { name: string; inputSchema?: unknown; outputSchema?: unknown }[],
): PortabilityFinding[] {
  const findings: PortabilityFinding[] = [];
  for (const tool of tools) {
    for (const kind of ['inputSchema', 'outputSchema'] as const) {
      const schema = tool[kind];
      if (schema === undefined) continue;
      walk(
        schema,
        kind,
        undefined,
        (rule, path) => findings.push({ tool: tool.name, rule, path }),
        hasEmbeddedId(schema),
      );
    }
  }
  return findings;
}
