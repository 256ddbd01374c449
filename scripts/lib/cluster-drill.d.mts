export interface Outcome {
  readonly phase: string;
  readonly op: string;
  readonly ok: boolean;
  readonly error?: string;
  readonly retried?: boolean;
}
export interface PhaseSummary {
  readonly ok: number;
  readonly failed: number;
  readonly retried: number;
  readonly byOp: Readonly<Record<string, number>>;
}
export interface DrillReport {
  readonly instances: number;
  readonly phases: {
    readonly rollingRestart: readonly {
      instance: string;
      exit: number | null;
      signal: string | null;
      ms: number;
    }[];
    readonly kill: { readonly instance: string; readonly markedDownAfterMs: number };
  };
  readonly outcomes: Readonly<Record<string, PhaseSummary>>;
  readonly failures: readonly Outcome[];
  readonly acknowledged: {
    readonly creates: number;
    readonly deletes: number;
    readonly updates: number;
    readonly lost: readonly { key: string; why: string }[];
  };
  readonly audit: {
    readonly createEvents: number;
    readonly drillTasks: number;
    readonly sequences: readonly { workspace: string | null; events: number; gapless: boolean }[];
  };
  readonly revocation: { readonly before: number[]; readonly revokeStatus: number; readonly after: number[] };
  readonly rateLimit: {
    readonly quota: number;
    readonly fired: number;
    readonly counts: Record<string, number>;
  };
  readonly budget: {
    readonly budget: number;
    readonly fired: number;
    readonly counts: Record<string, number>;
    readonly createEvents: number;
  };
  readonly webhooks: {
    readonly queued: number;
    readonly delivered: number;
    readonly kinds: string[];
    readonly received: number;
    readonly distinctReceived: number;
  };
  readonly verify: { readonly ok?: boolean; readonly problems?: unknown[]; readonly error?: string };
  readonly chains: readonly { chain: string; seq: number }[];
  readonly workspaces: number;
  readonly logs: string;
}
export function runDrill(options?: { instances?: number; steadyMs?: number }): Promise<DrillReport>;
