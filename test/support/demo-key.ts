/**
 * A database ready for a spawned server: the demo workspace, a `full` development key and a
 * policy where creates run at once, made through the app (then closed) before any process
 * serves the file or schema. `setup` adds what one test needs (a wider budget, raised limits).
 */
import { pino } from 'pino';
import { type App, createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/index.js';
import { createSeededRandom } from '../../src/core/index.js';
import { seedDemoWorkspace } from '../../src/domain/index.js';

export async function seedDemoWithKey(
  url: string,
  secret: string,
  name: string,
  setup: (app: App) => Promise<void> = async () => undefined,
): Promise<{ key: string; workspaceId: string }> {
  const app = await createApp(
    loadConfig({ env: { TASKGATE_DATABASE_URL: url, TASKGATE_SECRET_KEY: secret } }),
    { logger: pino({ level: 'silent' }) },
  );
  try {
    await seedDemoWorkspace(app.domain, app.clock, createSeededRandom(18));
    const issued = await app.keys.create({
      workspace: 'demo',
      name,
      environment: 'development',
      preset: 'full',
    });
    await app.policy.set(null, 'demo', { create: 'none' });
    await setup(app);
    return { key: issued.secret, workspaceId: (await app.store.workspaces.findBySlug('demo'))!.id };
  } finally {
    await app.close();
  }
}
