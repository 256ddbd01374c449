/**
 * Where every tool schema becomes JSON Schema. The SDK converts each tool's input and output
 * schema on every `tools/list` (zod recomputes each time): measured at ~10 ms of CPU per list
 * for our nine tools. A schema's JSON form never changes, so this wraps a Standard Schema and
 * memoises its `~standard.jsonSchema` per direction and target, in the portable spelling
 * (no `type` arrays, see portable-json-schema.ts); validation still goes to zod.
 */
import type { StandardSchemaWithJSON } from '@modelcontextprotocol/server';
import { toPortableJsonSchema } from './portable-json-schema.js';

type JsonSchemaOptions = { readonly target: string };

export function withCachedJsonSchema<S extends StandardSchemaWithJSON>(schema: S): S {
  const standard = schema['~standard'];
  const memo = new Map<string, Record<string, unknown>>();
  const convert = (io: 'input' | 'output') => (options: JsonSchemaOptions) => {
    const key = `${io}:${options.target}`;
    let json = memo.get(key);
    if (!json) {
      json = toPortableJsonSchema(
        standard.jsonSchema[io](options as Parameters<typeof standard.jsonSchema.input>[0]),
      );
      memo.set(key, json);
    }
    return json;
  };
  const cached = { ...standard, jsonSchema: { input: convert('input'), output: convert('output') } };
  return new Proxy(schema, {
    get: (target, property, receiver) =>
      property === '~standard' ? cached : Reflect.get(target, property, receiver),
  });
}

/** One wrapper per schema object, made on first use; owned by the endpoint, not the module. */
export function createSchemaCache() {
  const wrapped = new WeakMap<object, StandardSchemaWithJSON>();
  return <S extends StandardSchemaWithJSON>(schema: S): S => {
    let found = wrapped.get(schema);
    if (!found) {
      found = withCachedJsonSchema(schema);
      wrapped.set(schema, found);
    }
    return found as S;
  };
}

export type SchemaCache = ReturnType<typeof createSchemaCache>;
