/**
 * zod folds `anyOf` of bare types into a `type` array (`["string", "null"]` for every
 * `.nullable()`). That is valid JSON Schema, but clients that map tool schemas onto a
 * single-`type` dialect (Gemini's OpenAPI subset, MCP Inspector's strict check) reject it
 * or drop the constraint. This spells every `type` array as `anyOf` branches of one type
 * each, the form every consumer reads.
 */

type Json = unknown;
type JsonObject = Record<string, Json>;

const isObject = (value: Json): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A copy of `schema` without `type` arrays. Exact: every other validation keyword applies
 * only to instances of its own type (`maxLength` ignores `null`), so it may stay beside the
 * `anyOf`. A node that already has an `anyOf` gets the new one under `allOf`.
 */
export function toPortableJsonSchema<T extends JsonObject>(schema: T): T {
  return rewrite(schema) as T;
}

const DATA_KEYWORDS = new Set(['enum', 'const', 'default', 'examples']);

function rewrite(node: Json): Json {
  if (Array.isArray(node)) return node.map(rewrite);
  if (!isObject(node)) return node;
  // Values of DATA_KEYWORDS are instances, not schemas: a `type` array inside them is data.
  // fromEntries defines own properties, so a property named `__proto__` stays a property.
  const out: JsonObject = Object.fromEntries(
    Object.entries(node).map(([key, value]) => [key, DATA_KEYWORDS.has(key) ? value : rewrite(value)]),
  );
  const type = out.type;
  if (!Array.isArray(type)) return out;
  delete out.type;
  const branches = type.map((t) => ({ type: t }));
  if (out.anyOf === undefined) {
    out.anyOf = branches;
  } else {
    const allOf = Array.isArray(out.allOf) ? out.allOf : [];
    out.allOf = [...allOf, { anyOf: branches }];
  }
  return out;
}
