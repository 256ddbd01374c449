import { describe, expect, it } from 'vitest';
import { AppError } from '../core/index.js';
import type { Workspace } from '../model/index.js';
import { findUnsafeCharacter } from './plain-text.js';
import { findWorkspace, resolveWorkspace, type WorkspaceLookup } from './workspace-lookup.js';

const ACME: Workspace = {
  id: 'wsp_01JAAAAAAAAAAAAAAAAAAAAAAA',
  slug: 'acme',
  name: 'Acme',
  environment: 'development',
  keyRotationDays: 90,
  createdAt: '2026-01-01T00:00:00.000Z',
};

/** A repository that records every question it is asked. */
function fakeRepos() {
  const asked: string[] = [];
  const repos: WorkspaceLookup = {
    workspaces: {
      findById: async (id) => {
        asked.push(`id:${id}`);
        return id === ACME.id ? ACME : undefined;
      },
      findBySlug: async (slug) => {
        asked.push(`slug:${slug}`);
        return slug === ACME.slug ? ACME : undefined;
      },
    },
  };
  return { repos, asked };
}

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe('resolveWorkspace', () => {
  it('finds a workspace by its slug', async () => {
    const { repos, asked } = fakeRepos();
    expect(await resolveWorkspace(repos, 'acme')).toBe(ACME);
    expect(asked).toEqual(['slug:acme']);
  });

  it('finds a workspace by its id', async () => {
    const { repos, asked } = fakeRepos();
    expect(await resolveWorkspace(repos, ACME.id)).toBe(ACME);
    expect(asked).toEqual([`id:${ACME.id}`]);
  });

  it('answers not_found naming the reference when no workspace has that slug or id', async () => {
    for (const ref of ['nowhere', 'wsp_unknown']) {
      const error = await rejection(resolveWorkspace(fakeRepos().repos, ref));
      expect(error.code).toBe('not_found');
      expect(error.publicMessage).toBe(`workspace ${ref} not found`);
    }
  });

  it.each([
    ['a slug glued to a space', 'acme other'],
    ['a slug glued to a quote', "acme'--"],
    ['a slug glued to a path', 'acme/../globex'],
    ['a line break', 'acme\nglobex'],
    ['a NUL byte', 'acme\u0000'],
    ['an escape sequence', '\u001b[2Jacme'],
    ['a bidirectional override', 'acme\u202e'],
    ['leading white space', ' acme'],
    ['nothing', ''],
  ])('answers not_found without asking the database when given %s', async (_, ref) => {
    const { repos, asked } = fakeRepos();
    const error = await rejection(resolveWorkspace(repos, ref));
    expect(error.code).toBe('not_found');
    expect(error.publicMessage).toMatch(/^workspace ".*" not found$/);
    expect(findUnsafeCharacter(error.publicMessage, 'line')).toBeUndefined();
    expect(asked).toEqual([]);
  });

  it('cuts a long odd reference in its message', async () => {
    const error = await rejection(resolveWorkspace(fakeRepos().repos, `${'x'.repeat(500)} `));
    expect(error.publicMessage.length).toBeLessThan(100);
  });
});

describe('findWorkspace', () => {
  it('answers undefined, never an error, for an unknown or odd reference', async () => {
    const { repos } = fakeRepos();
    expect(await findWorkspace(repos, 'acme')).toBe(ACME);
    expect(await findWorkspace(repos, 'nowhere')).toBeUndefined();
    expect(await findWorkspace(repos, 'acme\u0000')).toBeUndefined();
  });
});
