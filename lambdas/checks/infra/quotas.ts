/** The Service Quotas quota "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances" (vCPUs). */
export const VCPU_QUOTA = { ServiceCode: 'ec2', QuotaCode: 'L-1216C47A' } as const;
