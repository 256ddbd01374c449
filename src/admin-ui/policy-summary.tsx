/** The workspace policy as a person reads it: the policy page and the result of a change show it. */
import type { WorkspacePolicy } from '../admin/index.js';
import { RISK_CLASSES } from '../model/index.js';
import { Time } from './layout.js';

const yesNo = (value: boolean) => (value ? 'yes' : 'no');

export function PolicySummary(props: { policy: WorkspacePolicy }) {
  const { policy } = props;
  return (
    <>
      <table>
        <caption>Confirmation per risk class ({policy.workspace.environment})</caption>
        <thead>
          <tr>
            <th scope="col">Risk class</th>
            <th scope="col">Tier</th>
            <th scope="col">Set by</th>
          </tr>
        </thead>
        <tbody>
          {RISK_CLASSES.map((risk) => (
            <tr>
              <th scope="row">{risk}</th>
              <td>{policy.tiers[risk]}</td>
              <td>{policy.tierSource[risk] === 'default' ? 'environment default' : 'workspace'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <dl>
        <dt>Writes must give a reason</dt>
        <dd>{yesNo(policy.requireReason)}</dd>
        <dt>Read first (updates and deletes name the version read)</dt>
        <dd>{yesNo(policy.requireReadFirst)}</dd>
        <dt>Only OAuth connections may act</dt>
        <dd>{yesNo(policy.requireOauth)}</dd>
        <dt>Who approves in the browser</dt>
        <dd>{policy.approver === 'member_or_admin' ? 'the member, or an owner or admin' : 'the member'}</dd>
        <dt>Budget per credential</dt>
        <dd>
          {policy.budget.writes} writes, of which {policy.budget.deletes} deletes, per{' '}
          {policy.budget.windowMinutes} minutes
        </dd>
        <dt>Key rotation</dt>
        <dd>every {policy.keyRotationDays} days</dd>
        <dt>Last changed</dt>
        <dd>{policy.updatedAt ? <Time iso={policy.updatedAt} /> : 'never (the defaults)'}</dd>
      </dl>
    </>
  );
}
