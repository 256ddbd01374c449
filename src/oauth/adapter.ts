/**
 * oidc-provider's `adapter` option over the shared store: every client, grant, code, token,
 * session and interaction lives in the database, so any instance can serve any request.
 * Trust boundary: single use of codes and refresh tokens is decided here, by the database.
 */
import type { Adapter, AdapterConstructor, AdapterPayload } from 'oidc-provider';
import { errors } from 'oidc-provider';
import { type Clock, toIsoTime } from '../core/index.js';
import type { OAuthModelPayload } from '../model/index.js';
import type { AdapterStore } from './ports.js';

export interface OidcAdapterDeps {
  readonly store: AdapterStore;
  readonly clock: Clock;
}

const toAdapterPayload = (payload: OAuthModelPayload | undefined): AdapterPayload | undefined =>
  payload && (payload as AdapterPayload);

/**
 * The class to pass as `adapter` in the Provider configuration; oidc-provider makes one
 * instance per model name (`Client`, `Grant`, `AuthorizationCode`, `RefreshToken`…).
 */
export function createOidcAdapter({ store, clock }: OidcAdapterDeps): AdapterConstructor {
  const models = store.oauthModels;
  const now = () => toIsoTime(clock.now());

  return class OidcAdapter implements Adapter {
    readonly #model: string;

    constructor(model: string) {
      this.#model = model;
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
      // Clients (and anything else saved without a lifetime) do not expire.
      const expiresAt =
        typeof expiresIn === 'number' ? toIsoTime(new Date(clock.now().getTime() + expiresIn * 1000)) : null;
      await models.upsert(this.#model, id, payload as OAuthModelPayload, expiresAt);
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      return toAdapterPayload(await models.find(this.#model, id, now()));
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return toAdapterPayload(await models.findByUid(this.#model, uid, now()));
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      return toAdapterPayload(await models.findByUserCode(this.#model, userCode, now()));
    }

    async consume(id: string): Promise<void> {
      // SECURITY: oidc-provider checks `consumed` before calling this, but two requests racing
      // with the same code or refresh token (on one instance or two) both pass that check.
      // The conditional update lets one through; the other is refused as a replay.
      if (!(await models.consume(this.#model, id, now()))) {
        throw new errors.InvalidGrant(`${this.#model} already consumed`);
      }
    }

    async destroy(id: string): Promise<void> {
      await models.destroy(this.#model, id);
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await models.revokeByGrantId(grantId);
    }
  };
}
