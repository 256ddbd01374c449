import { describe, expect, it } from 'vitest';
import { acceptsJson } from './accept-json.js';

describe('acceptsJson', () => {
  it.each([
    [null, 'no Accept header'],
    ['', 'a blank Accept header'],
    ['application/json', 'JSON alone'],
    ['*/*', 'anything'],
    ['application/*', 'any application type'],
    ['application/json, text/event-stream', 'what the MCP SDKs send'],
    ['text/event-stream, application/json;q=0.5', 'JSON at a lower quality'],
    ['Application/JSON; charset=utf-8', 'JSON with parameters, any case'],
    ['text/html, */*;q=0.1', 'a browser-like list ending in */*'],
  ])('accepts %j (%s)', (header, _why) => {
    expect(acceptsJson(header)).toBe(true);
  });

  it.each([
    ['text/html', 'HTML only'],
    ['text/event-stream', 'SSE only'],
    ['application/json;q=0', 'JSON explicitly refused'],
    ['application/json;q=0, */*', 'JSON refused, anything else welcome'],
    ['*/*;q=0', 'nothing at all'],
    ['text/html, application/*;q=0', 'every application type refused'],
    ['application/json;q=2', 'an invalid quality (treated as 0)'],
    ['garbage', 'no parseable range'],
  ])('refuses %j (%s)', (header, _why) => {
    expect(acceptsJson(header)).toBe(false);
  });
});
