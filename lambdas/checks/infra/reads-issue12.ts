/**
 * AWS reads the infra group gained with issue 12, for the group's declared reads (reads.ts) and its IAM
 * policy: CloudTrail LookupEvents (who changed a failing resource) supports no resource-level permission.
 */
export const ISSUE12_READS = [{ actions: ['cloudtrail:LookupEvents'], resources: ['*'] }] as const;
