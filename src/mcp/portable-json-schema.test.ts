import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { toPortableJsonSchema } from './portable-json-schema.js';

describe('toPortableJsonSchema', () => {
  it('spells a nullable field as anyOf branches of one type each', () => {
    const json = z.object({ due: z.string().nullable().describe('YYYY-MM-DD') }).toJSONSchema();
    expect(json.properties?.due).toMatchObject({ type: ['string', 'null'] });
    expect(toPortableJsonSchema(json).properties?.due).toEqual({
      description: 'YYYY-MM-DD',
      anyOf: [{ type: 'string' }, { type: 'null' }],
    });
  });

  it('rewrites type arrays at any depth and keeps the other keywords beside the anyOf', () => {
    const schema = {
      type: 'object',
      properties: { list: { type: 'array', items: { type: ['integer', 'null'], minimum: 1 } } },
    };
    expect(toPortableJsonSchema(schema)).toEqual({
      type: 'object',
      properties: {
        list: { type: 'array', items: { minimum: 1, anyOf: [{ type: 'integer' }, { type: 'null' }] } },
      },
    });
  });

  it('puts the branches under allOf when the node already has an anyOf', () => {
    const schema = { type: ['string', 'null'], anyOf: [{ maxLength: 3 }, { const: null }] };
    expect(toPortableJsonSchema(schema)).toEqual({
      anyOf: [{ maxLength: 3 }, { const: null }],
      allOf: [{ anyOf: [{ type: 'string' }, { type: 'null' }] }],
    });
  });

  it('leaves data alone: enum, const and default values are not schemas', () => {
    const schema = { enum: [{ type: ['a', 'b'] }], default: { type: ['x'] } };
    expect(toPortableJsonSchema(schema)).toEqual(schema);
  });

  it('keeps a property named __proto__ as a property, not a prototype', () => {
    const schema = JSON.parse('{"type":"object","properties":{"__proto__":{"type":["string","null"]}}}');
    const out = toPortableJsonSchema(schema) as { properties: object };
    expect(Object.getPrototypeOf(out.properties)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(out.properties, '__proto__')?.value).toEqual({
      anyOf: [{ type: 'string' }, { type: 'null' }],
    });
  });
});
