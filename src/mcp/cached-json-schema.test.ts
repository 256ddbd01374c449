import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createSchemaCache } from './cached-json-schema.js';

describe('cached JSON Schema', () => {
  const schema = z.object({ task: z.string().min(1).max(64), limit: z.number().int().optional() }).strict();

  it('converts once per direction and target and returns the same JSON as zod', () => {
    const cache = createSchemaCache();
    const wrapped = cache(schema);
    const options = { target: 'draft-2020-12' } as const;
    const first = wrapped['~standard'].jsonSchema.input(options);
    expect(wrapped['~standard'].jsonSchema.input(options)).toBe(first);
    expect(first).toEqual(schema['~standard'].jsonSchema.input(options));
    expect(wrapped['~standard'].jsonSchema.output(options)).toEqual(
      schema['~standard'].jsonSchema.output(options),
    );
    expect(cache(schema)).toBe(wrapped);
  });

  it('still validates through zod', async () => {
    const wrapped = createSchemaCache()(schema);
    expect(await wrapped['~standard'].validate({ task: 'APO-1' })).toEqual({ value: { task: 'APO-1' } });
    const bad = await wrapped['~standard'].validate({ task: '', extra: 1 });
    expect('issues' in bad && bad.issues?.length).toBeGreaterThan(0);
    expect(wrapped.safeParse({ task: 'x' }).success).toBe(true);
  });
});
