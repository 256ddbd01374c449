/**
 * Built McpServers kept for reuse, one stack per role. Building one registers every tool the
 * role may use, schemas and all; a server that served a request still holds those
 * registrations and nothing of the request (who called arrives in each request's authInfo), so
 * it can serve the next request of the same role. A server serves one exchange at a time: it
 * is taken for a request and given back once that exchange is over. The pool is a cache: a
 * second instance, or a restart, needs nothing from it.
 *
 * SECURITY: stacks are per role because a role's server lists only the tools that role may
 * ever use; a viewer's request must never be served by a server holding an admin's tools.
 */
import type { Role } from '../model/index.js';

export interface ServerPool<T> {
  /** A free server built for `role`, or a newly built one when none is free. */
  take(role: Role): T;
  /** Hands back a server whose exchange is over; one `reusable` refuses is dropped, never reused. */
  give(role: Role, server: T): void;
}

export function createServerPool<T>(
  build: (role: Role) => T,
  perRole: number,
  reusable: (server: T) => boolean,
): ServerPool<T> {
  const free = new Map<Role, T[]>();
  return {
    take: (role) => free.get(role)?.pop() ?? build(role),
    give(role, server) {
      if (!reusable(server)) return;
      const stack = free.get(role) ?? [];
      free.set(role, stack);
      if (stack.length < perRole) stack.push(server);
    },
  };
}
