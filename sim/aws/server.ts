import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { SimEnv, SimPart } from '../env.js';
import { delay } from '../faults.js';
import { listenLocal } from '../listen.js';
import type { Scenario } from '../scenario.js';
import { parseAwsState } from './model.js';
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
import { ec2Service } from './services/ec2.js';
import { eksService } from './services/eks.js';
import { elbv2Service } from './services/elbv2.js';
import { rdsService } from './services/rds.js';
import { secretsManagerService } from './services/secretsmanager.js';
import { serviceQuotasService } from './services/servicequotas.js';
import { callerIdentity, stsService } from './services/sts.js';
import { parseAuthorization, verifySignature } from './sigv4.js';

/** The AWS twin: the sim part, plus the wiring of the EKS cluster to the Kubernetes twin. */
export interface AwsSimPart extends SimPart {
  /** Endpoint and CA (PEM) that DescribeCluster returns, unless the scenario sets `aws.eks.cluster.endpoint`. */
  setClusterEndpoint(url: string, caPem: string): void;
  /** Requests received per `service:Operation` (retries included), for tests and the benchmark. */
  readonly requests: ReadonlyMap<string, number>;
}

/** Services by the name in the SigV4 credential scope. */
const SERVICES: ReadonlyMap<string, AwsService> = new Map(
  [
    eksService,
    ec2Service,
    rdsService,
    elbv2Service,
    serviceQuotasService,
    secretsManagerService,
    stsService,
  ].map((s) => [s.signingName, s]),
);

/** What a request names, for the error of an unknown operation. */
function requested(req: AwsRequest): string {
  return req.form.get('Action') ?? String(req.headers['x-amz-target'] ?? `${req.method} ${req.path}`);
}

/** The EKS endpoint when nothing is wired: the Kubernetes twin's port from the scenario, else unreachable. */
function defaultClusterEndpoint(scenario: Scenario): string {
  const port = scenario.kubernetes.apiPort;
  return typeof port === 'number' ? `https://127.0.0.1:${port}` : 'https://kube.invalid';
}

/**
 * Start the AWS twin on 127.0.0.1 (random port): EKS, EC2, RDS, ELBv2, Service Quotas, Secrets Manager and
 * STS in their real wire protocols, so the production SDK clients run unchanged against it.
 */
export async function startAwsSim(env: SimEnv, scenario: Scenario, now: Date): Promise<AwsSimPart> {
  let wired: { endpoint: string; caPem: string } | undefined;
  const makeWorld = (s: Scenario, at: Date): World => ({
    state: parseAwsState(s.aws, s.name),
    region: env.region,
    accountId: env.accountId,
    appliedAt: at,
    secrets: env.secrets,
    cluster: wired ?? { endpoint: defaultClusterEndpoint(s), caPem: env.tls.ca },
  });
  let world = makeWorld(scenario, now);
  const requests = new Map<string, number>();
  const stopping = new AbortController();
  const callerArn = callerIdentity(env.accountId).Arn;

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

    if (auth.accessKeyId !== env.credentials.accessKeyId)
      return failure(service, authError(service, 'unknownKey'), requestId);
    const valid = await verifySignature(
      auth,
      { method: request.method, url: req.url ?? '/', headers: req.headers, body },
      env.credentials.secretAccessKey,
    );
    if (!valid) return failure(service, authError(service, 'badSignature'), requestId);

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
        return failure(service, faultError(service, decision.failure, operation, callerArn), requestId);
    }
    if (!route) return failure(service, unknownOperation(service, operation), requestId);
    let reply: Reply;
    try {
      reply = success(service, operation, route.run(world), requestId);
    } catch (err) {
      if (!(err instanceof AwsError)) throw err;
      return failure(service, err, requestId);
    }
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
      await new Promise<void>((resolve) => {
        if (stopping.signal.aborted) resolve();
        stopping.signal.addEventListener('abort', () => resolve());
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
    setClusterEndpoint(endpoint, caPem) {
      wired = { endpoint, caPem };
      world = { ...world, cluster: wired };
    },
    async apply(next, at) {
      world = makeWorld(next, at);
    },
    async stop() {
      stopping.abort();
      await listener.close();
    },
  };
}
