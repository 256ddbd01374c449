import { describe, expect, it } from 'vitest';
import { inertName, nameList } from './checklist-model.js';

describe('inertName', () => {
  it('pins the escapes: quotes, controls, bidi and markup become one JSON string token', () => {
    expect(inertName('cursor-work-laptop')).toBe('"cursor-work-laptop"');
    expect(inertName('<b>&\u001b[2J\u202e"\n')).toBe('"\\u003cb\\u003e\\u0026\\u001b[2J\\u202e\\"\\n"');
  });

  it('round-trips through JSON.parse to the name as stored', () => {
    const name = '<img src=x onerror=alert(1)>\u0007\u2028x';
    expect(JSON.parse(inertName(name))).toBe(name);
  });
});

describe('nameList', () => {
  it('spells out five names and counts the rest', () => {
    expect(nameList(['a', 'b'])).toBe('a, b');
    expect(nameList(['1', '2', '3', '4', '5', '6', '7'])).toBe('1, 2, 3, 4, 5 and 2 more');
  });
});
