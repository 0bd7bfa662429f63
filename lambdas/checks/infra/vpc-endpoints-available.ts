import type { VpcEndpoint } from '@aws-sdk/client-ec2';
import { defineCheck, type FindingInput } from '../../audit/check.js';
import { need } from '../../audit/fact.js';
import { shq } from '../../audit/model.js';
import type { InfraSnapshot } from './collector.js';
import { INFRA_META } from './meta.js';

const available = (e: VpcEndpoint) => String(e.State ?? '').toLowerCase() === 'available';
const dnsOk = (e: VpcEndpoint) =>
  e.VpcEndpointType?.toLowerCase() !== 'interface' || e.PrivateDnsEnabled === true;

type Problem = { text: string; reason: 'missing' | 'unavailable' | 'private-dns-disabled'; fix?: string };
/** Subnets and security group of a new Interface endpoint: the EKS cluster's when it is in `vpcId`, else placeholders. */
function interfaceArgs(snap: InfraSnapshot, vpcId: string): string {
  const vpc = snap.cluster.ok ? snap.cluster.value?.resourcesVpcConfig : undefined;
  const ours = vpc?.vpcId === vpcId;
  const subnets = ours && vpc.subnetIds?.length ? vpc.subnetIds.map(shq).join(' ') : '<private-subnet-ids>';
  const sg = ours && vpc.clusterSecurityGroupId ? shq(vpc.clusterSecurityGroupId) : '<endpoint-sg-id>';
  return `--subnet-ids ${subnets} --security-group-ids ${sg}`;
}

/** What is wrong with the best endpoint for a service, and the command that fixes it. */
function problem(vpcId: string, service: string, args: string, e?: VpcEndpoint): Problem | undefined {
  if (!e) {
    const type = /\.(s3|dynamodb)$/.test(service)
      ? 'Gateway --route-table-ids <private-route-table-ids>'
      : `Interface --private-dns-enabled ${args}`;
    const fix = `aws ec2 create-vpc-endpoint --vpc-id ${shq(vpcId)} --service-name ${shq(service)} --vpc-endpoint-type ${type}`;
    return { text: `VPC ${vpcId} has no endpoint for ${service}`, reason: 'missing', fix };
  }
  const id = e.VpcEndpointId ?? '?';
  if (!available(e)) {
    const text = `Endpoint ${id} for ${service} is ${e.State ?? 'in no state'}, not available`;
    return { text, reason: 'unavailable' };
  }
  if (!dnsOk(e)) {
    const fix = `aws ec2 modify-vpc-endpoint --vpc-endpoint-id ${shq(id)} --private-dns-enabled`;
    const text = `Interface endpoint ${id} for ${service} has private DNS disabled`;
    return { text, reason: 'private-dns-disabled', fix };
  }
  return undefined;
}

/** Compliant when every required VPC endpoint exists in the VPC, is available and (Interface) has private DNS on. */
export default defineCheck<InfraSnapshot>(INFRA_META['vpc-endpoints-available'], (snap, { deployment }) => {
  const { vpcId, endpoints } = need(snap.vpcEndpoints);
  const args = interfaceArgs(snap, vpcId);
  const describe = `aws ec2 describe-vpc-endpoints --filters ${shq(`Name=vpc-id,Values=${vpcId}`)}`;
  return [...new Set(deployment.network.requiredVpcEndpoints)].map((required): FindingInput => {
    const service = /^(com\.amazonaws|aws)\./.test(required)
      ? required
      : `com.amazonaws.${deployment.aws.region}.${required}`;
    const matches = endpoints.filter((e) => e.ServiceName?.toLowerCase() === service.toLowerCase());
    const best = matches.find((e) => available(e) && dnsOk(e)) ?? matches.find(available) ?? matches[0];
    const found = problem(vpcId, service, args, best);
    const evidence = best
      ? { service, endpointId: best.VpcEndpointId, state: best.State, privateDns: best.PrivateDnsEnabled }
      : { service };
    const resource = `${vpcId}/${service}`;
    // The scope names the service the way ECR's endpoints are known (`ecr.dkr`): what image pulls need.
    const scope = { endpoint: service.replace(/^(com\.amazonaws|aws)\.[^.]+\./, '') };
    if (!found) {
      const detail = `Endpoint ${best?.VpcEndpointId} for ${service} is available.`;
      return { status: 'pass', resource, detail, evidence };
    }
    const remediation = {
      text: 'Create or repair the endpoint so that nodes reach the service privately (an Interface endpoint takes one subnet per Availability Zone).',
      commands: [...(found.fix ? [found.fix] : []), describe],
    };
    const detail = `${found.text}.`;
    return { status: 'fail', reason: found.reason, scope, resource, detail, evidence, remediation };
  });
});
