/**
 * The authentication epoch: a counter in the database that every committed change to what
 * a credential lookup reads moves forward (api_keys, workspaces, members, workspace
 * policies), whoever makes it — this process, another instance, the CLI. Triggers keep it
 * (migration 0020), so no writer can forget to. A reader that saw the same value before and
 * after knows nothing it read has changed since.
 */
export interface AuthEpochReader {
  /** The current value, as text (a bigint): compare for equality only. */
  current(): Promise<string>;
}
