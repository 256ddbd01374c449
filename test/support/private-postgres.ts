/**
 * A private PostgreSQL cluster for fault tests (initdb into a temporary directory, its own
 * port; never the shared server at 5432). One implementation with the cluster script:
 * scripts/lib/private-postgres.mjs. In CI a cluster that cannot start is a failure, never a skip.
 */
export {
  type PrivatePostgres,
  privatePostgresAvailable,
  startPrivatePostgres,
} from '../../scripts/lib/private-postgres.mjs';
