import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { SimEnv, SimPart } from '../env.js';
import { delay } from '../faults.js';
import { listenLocal } from '../listen.js';
import { deepMerge, type Scenario } from '../scenario.js';
import { parseAwsState, type AwsState } from './model.js';
import {
  AwsError,
  authError,
  failure,
  faultError,
  success,
  unknownOperation,
  type AwsRequest,
  type AwsService,
  type Reply,
  type World,
} from './protocol.js';
import { cloudTrailService } from './services/cloudtrail.js';
import { cloudWatchService } from './services/cloudwatch.js';
import { ec2Service } from './services/ec2.js';
import { eksService } from './services/eks.js';
import { elbv2Service } from './services/elbv2.js';
import { rdsService } from './services/rds.js';
import { secretsManagerService } from './services/secretsmanager.js';
import { serviceQuotasService } from './services/servicequotas.js';
import { ssmService } from './services/ssm.js';
import { stsService } from './services/sts.js';
import type { SimPrincipal } from './iam.js';
import { parseAuthorization, verifySignature } from './sigv4.js';

/** The AWS twin: the sim part, plus the wiring of the EKS cluster to the Kubernetes twin. */
export interface AwsSimPart extends SimPart {
  /** Endpoint and CA (PEM) that DescribeCluster returns, unless the scenario sets `aws.eks.cluster.endpoint`. */
  setClusterEndpoint(url: string, caPem: string): void;
  /** Requests received per `service:Operation` (retries included), for tests and the benchmark. */
  readonly requests: ReadonlyMap<string, number>;
  /**
   * Billed units per `service:Operation`: successful requests, in the service's unit (GetMetricData: metrics
   * requested), for the benchmark's cost model.
   */
  readonly billed: ReadonlyMap<string, number>;
}

/** Services by the name in the SigV4 credential scope; one per twin (CloudTrail counts its own rate). */
function services(): ReadonlyMap<string, AwsService> {
  return new Map(
    [
      eksService,
      ec2Service,
      rdsService,
      elbv2Service,
      serviceQuotasService,
      secretsManagerService,
      ssmService,
      stsService,
      cloudTrailService(),
      cloudWatchService,
    ].map((s) => [s.signingName, s]),
  );
}

/** What a request names, for the error of an unknown operation. */
function requested(req: AwsRequest): string {
  return req.form.get('Action') ?? String(req.headers['x-amz-target'] ?? `${req.method} ${req.path}`);
}

/**
 * The AWS state of every account the scenario holds: the sim's own account (`aws:`), and each account of
 * `accounts:`, whose `aws:` changes the sim account's state (same resources by default, `null` deletes).
 */
function accountStates(s: Scenario, ownAccount: string): Map<string, AwsState> {
  const states = new Map([[ownAccount, parseAwsState(s.aws, s.name)]]);
  for (const [account, other] of Object.entries(s.accounts)) {
    states.set(account, parseAwsState(deepMerge(s.aws, other.aws), `${s.name} (account ${account})`));
  }
  return states;
}

/** The EKS endpoint when nothing is wired: the Kubernetes twin's port from the scenario, else unreachable. */
function defaultClusterEndpoint(scenario: Scenario): string {
  const port = scenario.kubernetes.apiPort;
  return typeof port === 'number' ? `https://127.0.0.1:${port}` : 'https://kube.invalid';
}

/**
 * Start the AWS twin on 127.0.0.1 (random port): EKS, EC2, RDS, ELBv2, Service Quotas, Secrets Manager,
 * SSM Parameter Store, STS, CloudTrail and CloudWatch in their real wire protocols, so the production SDK
 * clients run unchanged against it.
 */
export async function startAwsSim(env: SimEnv, scenario: Scenario, now: Date): Promise<AwsSimPart> {
  let wired: { endpoint: string; caPem: string } | undefined;
  type Accounts = { states: Map<string, AwsState>; appliedAt: Date; scenario: Scenario };
  const load = (s: Scenario, at: Date): Accounts => ({
    states: accountStates(s, env.accountId),
    appliedAt: at,
    scenario: s,
  });
  let accounts = load(scenario, now);
  /** The world of one request: the state of the caller's account. */
  const worldOf = (caller: SimPrincipal): World | undefined => {
    const state = accounts.states.get(caller.identity.Account);
    return (
      state && {
        state,
        region: env.region,
        accountId: caller.identity.Account,
        caller,
        iam: env.iam,
        role: (account, name) => accounts.states.get(account)?.iam.roles[name],
        appliedAt: accounts.appliedAt,
        secrets: env.secrets,
        parameters: env.parameters,
        cluster: wired ?? { endpoint: defaultClusterEndpoint(accounts.scenario), caPem: env.tls.ca },
      }
    );
  };
  const SERVICES = services();
  const requests = new Map<string, number>();
  const billed = new Map<string, number>();
  const stopping = new AbortController();

  async function answer(req: IncomingMessage, body: string): Promise<Reply | 'refuse' | 'hang'> {
    const requestId = randomUUID();
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const auth = parseAuthorization(req.headers.authorization);
    const service = auth && SERVICES.get(auth.service);
    if (!auth || !service) {
      // Without a credential scope we cannot tell the service: answer as the query protocols do.
      return failure(stsService, authError(stsService, 'missing'), requestId);
    }
    const request: AwsRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body,
      form: new URLSearchParams(service.protocol === 'ec2' || service.protocol === 'query' ? body : ''),
    };
    const route = service.route(request);
    const operation = route?.operation ?? requested(request);
    const key = `${service.sim}:${operation}`;
    requests.set(key, (requests.get(key) ?? 0) + 1);

    // The key pair of the IAM user, or temporary credentials STS issued; these only with their session
    // token, and only until they expire.
    const principal = env.iam.principal(auth.accessKeyId);
    if (principal === 'expired') return failure(service, authError(service, 'expired'), requestId);
    if (!principal) return failure(service, authError(service, 'unknownKey'), requestId);
    if (
      principal.sessionToken !== undefined &&
      req.headers['x-amz-security-token'] !== principal.sessionToken
    )
      return failure(service, authError(service, 'unknownKey'), requestId);
    const valid = await verifySignature(
      auth,
      { method: request.method, url: req.url ?? '/', headers: req.headers, body },
      principal.secretAccessKey,
    );
    if (!valid) return failure(service, authError(service, 'badSignature'), requestId);
    const world = worldOf(principal);
    if (!world) return failure(service, authError(service, 'unknownKey'), requestId);

    const decision = env.faults.decide(service.sim, operation);
    await delay(decision.delayMs, stopping.signal);
    if (stopping.signal.aborted) return 'refuse';
    switch (decision.failure) {
      case 'refuse':
      case 'hang':
        return decision.failure;
      case 'throttle':
      case 'accessDenied':
      case 'error5xx':
        return failure(
          service,
          faultError(service, decision.failure, operation, principal.identity.Arn),
          requestId,
        );
    }
    if (!route) return failure(service, unknownOperation(service, operation), requestId);
    let reply: Reply;
    try {
      reply = success(service, operation, route.run(world), requestId);
    } catch (err) {
      if (!(err instanceof AwsError)) throw err;
      return failure(service, err, requestId);
    }
    billed.set(key, (billed.get(key) ?? 0) + (route.units ?? 1));
    if (decision.failure === 'malformed') {
      return { ...reply, body: reply.body.slice(0, Math.floor(reply.body.length / 2)) };
    }
    return reply;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let reply: Reply | 'refuse' | 'hang';
    try {
      reply = await answer(req, Buffer.concat(chunks).toString('utf8'));
    } catch (err) {
      // A bug of the twin, not an AWS answer: report it without any request content.
      const msg = err instanceof Error ? err.message : String(err);
      reply = { status: 500, headers: { 'content-type': 'text/plain' }, body: `aws twin error: ${msg}` };
    }
    if (reply === 'hang') {
      // Never answer; the client gives up (the socket closes), or the sim stops.
      await new Promise<void>((resolve) => {
        if (stopping.signal.aborted) return resolve();
        const done = () => (stopping.signal.removeEventListener('abort', done), resolve());
        stopping.signal.addEventListener('abort', done, { once: true });
        req.socket.once('close', done);
      });
      reply = 'refuse';
    }
    if (reply === 'refuse') {
      req.socket.destroy();
      return;
    }
    res.writeHead(reply.status, { ...reply.headers, 'content-length': Buffer.byteLength(reply.body) });
    res.end(reply.body);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => req.socket.destroy());
  });
  const listener = await listenLocal(server);
  const { port } = listener;

  return {
    name: 'aws',
    config: { aws: { endpoint: `http://127.0.0.1:${port}` } },
    requests,
    billed,
    setClusterEndpoint(endpoint, caPem) {
      wired = { endpoint, caPem };
    },
    async apply(next, at) {
      accounts = load(next, at);
    },
    async stop() {
      stopping.abort();
      await listener.close();
    },
  };
}
