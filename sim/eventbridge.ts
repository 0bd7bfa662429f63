import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An EventBridge twin of PutEvents on the default bus, in its wire protocol (AWS JSON 1.1, `X-Amz-Target:
 * AWSEvents.PutEvents`), so the production SDK client puts the auditor's events against it. What it keeps
 * of the real service (EventBridge API reference, PutEvents; "Amazon EventBridge quotas"):
 * - 1 to 10 entries a call, else a `ValidationException` for the whole call;
 * - at most 256 KB of entries a call (entry size: Source, DetailType and Detail in UTF-8 bytes, plus 14 for
 *   the time), else a `ValidationException`;
 * - per-entry errors in the 200 response, with `FailedEntryCount`: `InvalidArgument` when Source, DetailType
 *   or Detail is missing, `MalformedDetail` when Detail is not a JSON object, and injected
 *   `ThrottlingException`/`InternalFailure` entries (`failNext`) that a caller must put again.
 * Not modelled: SigV4 verification, custom buses, rules and targets.
 */
export interface EventBridgeTwin {
  endpoint: string;
  /** Events accepted, in order. */
  readonly events: Array<{ source: string; detailType: string; detail: unknown; id: string }>;
  /** PutEvents calls received (retries included). */
  readonly calls: number;
  /** The next `n` entries fail with `code` (per entry, as the service reports throttling). */
  failNext(n: number, code?: 'ThrottlingException' | 'InternalFailure'): void;
  stop(): Promise<void>;
}

const MAX_ENTRIES = 10;
const MAX_BYTES = 256 * 1024;

interface Entry {
  Source?: string;
  DetailType?: string;
  Detail?: string;
  EventBusName?: string;
}

export async function startEventBridgeTwin(): Promise<EventBridgeTwin> {
  const events: EventBridgeTwin['events'] = [];
  let calls = 0;
  let failing = 0;
  let failCode = 'ThrottlingException';
  const reply = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() });
    res.end(JSON.stringify(body));
  };
  const invalid = (res: ServerResponse, message: string) =>
    reply(res, 400, { __type: 'ValidationException', message });

  const handle = (req: IncomingMessage, body: string, res: ServerResponse) => {
    if (req.headers['x-amz-target'] !== 'AWSEvents.PutEvents') {
      return reply(res, 400, { __type: 'UnknownOperationException' });
    }
    calls++;
    let input: { Entries?: Entry[] };
    try {
      input = JSON.parse(body) as { Entries?: Entry[] };
    } catch {
      return reply(res, 400, { __type: 'SerializationException' });
    }
    const entries = input.Entries ?? [];
    if (entries.length < 1 || entries.length > MAX_ENTRIES) {
      return invalid(
        res,
        `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length less than or equal to ${MAX_ENTRIES}`,
      );
    }
    const size = entries.reduce(
      (n, e) =>
        n +
        14 +
        Buffer.byteLength(e.Source ?? '') +
        Buffer.byteLength(e.DetailType ?? '') +
        Buffer.byteLength(e.Detail ?? ''),
      0,
    );
    if (size > MAX_BYTES) return invalid(res, 'Total size of the entries in the request is over the limit.');
    let failed = 0;
    const results = entries.map((e) => {
      if (e.EventBusName && e.EventBusName !== 'default') {
        failed++;
        return { ErrorCode: 'InvalidArgument', ErrorMessage: `Event bus ${e.EventBusName} does not exist.` };
      }
      if (!e.Source || !e.DetailType || e.Detail === undefined) {
        failed++;
        return {
          ErrorCode: 'InvalidArgument',
          ErrorMessage: 'Parameters Source, DetailType and Detail are required.',
        };
      }
      let detail: unknown;
      try {
        detail = JSON.parse(e.Detail);
      } catch {
        detail = undefined;
      }
      if (!detail || typeof detail !== 'object' || Array.isArray(detail)) {
        failed++;
        return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
      }
      if (failing > 0) {
        failing--;
        failed++;
        return {
          ErrorCode: failCode,
          ErrorMessage: failCode === 'InternalFailure' ? 'Internal failure' : 'Rate exceeded',
        };
      }
      const id = randomUUID();
      events.push({ source: e.Source, detailType: e.DetailType, detail, id });
      return { EventId: id };
    });
    return reply(res, 200, { FailedEntryCount: failed, Entries: results });
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, Buffer.concat(chunks).toString('utf8'), res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    events,
    get calls() {
      return calls;
    },
    failNext(n, code = 'ThrottlingException') {
      failing = n;
      failCode = code;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
