/**
 * Monitoring settings (src/monitoring): one JSON value per workspace and section. The store
 * keeps the text it is given; the monitoring layer validates it on the way in and out.
 */

export interface MonitoringSettingRow {
  readonly section: string;
  /** The section's JSON text. */
  readonly value: string;
  readonly updatedAt: string;
  /** The member who changed it; `null` for the command line. */
  readonly updatedBy: string | null;
}

export interface MonitoringSettingsRepository {
  /**
   * Inside a transaction: waits for, then holds until commit, the workspace's section, so a
   * read-modify-write never loses a concurrent change (even of a missing row).
   */
  lock(workspaceId: string, section: string): Promise<void>;
  find(workspaceId: string, section: string): Promise<MonitoringSettingRow | undefined>;
  /** Inserts the section or replaces the stored one. */
  upsert(workspaceId: string, row: MonitoringSettingRow): Promise<void>;
}
