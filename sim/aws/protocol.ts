import type { IncomingHttpHeaders } from 'node:http';
import type { SimSecrets } from '../env.js';
import type { SimService } from '../faults.js';
import type { SimIam, SimPrincipal, SimRole } from './iam.js';
import type { AwsState } from './model.js';
import type { SimParameterStore } from './parameters.js';

/**
 * Wire protocols of the AWS services the twin answers, as the SDK v3 clients in node_modules speak them:
 * - `ec2`: EC2 query (form body; XML `<XResponse>` with `<requestId>`, lists of `<item>`; errors in
 *   `<Response><Errors><Error>`).
 * - `query`: awsQuery (form body; XML `<XResponse><XResult>` + `<ResponseMetadata>`; lists of `<member>` or a
 *   model-specific element name; errors in `<ErrorResponse><Error>`).
 * - `json`: awsJson1_1 (`X-Amz-Target`, JSON body; errors `{"__type", "message"}`).
 * - `json10`: awsJson1_0 with awsQueryCompatible, as the current CloudWatch client speaks it
 *   (`application/x-amz-json-1.0`, `x-amzn-query-mode: true`; errors `{"__type", "message"}` plus the
 *   `x-amzn-query-error: <query code>;Sender|Receiver` header the SDK names the error from).
 * - `restJson`: restJson1 (method + path; errors named by the `x-amzn-ErrorType` header).
 */
export type Protocol = 'ec2' | 'query' | 'json' | 'json10' | 'restJson';

/** One request as the twin sees it. */
export interface AwsRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
  /** Form parameters (query protocols). */
  form: URLSearchParams;
}

/** What an operation reads: the validated state of the caller's account, and who the caller is. */
export interface World {
  state: AwsState;
  region: string;
  /** The account of the credentials that signed the request (whose state this is). */
  accountId: string;
  /** The principal that signed the request. */
  caller: SimPrincipal;
  /** The sim's IAM and STS state (role sessions). */
  iam: SimIam;
  /** A role of an account the sim holds, by account id and role name. */
  role(accountId: string, name: string): SimRole | undefined;
  /** The `now` of the last start/apply: scenario ages are relative to it. */
  appliedAt: Date;
  secrets: SimSecrets;
  /** Parameter Store of every account (SSM twin), with its read throughput. */
  parameters: SimParameterStore;
  cluster: { endpoint: string; caPem: string };
}

/** A routed request: its SDK operation name and how to answer it. */
export interface Route {
  operation: string;
  run(world: World): unknown;
  /**
   * What AWS bills for this request when it succeeds, in the service's unit (CloudWatch GetMetricData: the
   * metrics requested). @default 1 (per request)
   */
  units?: number;
}

/** One AWS service of the twin. */
export interface AwsService {
  /** Service name in the SigV4 credential scope. */
  signingName: string;
  /** Service name for fault injection. */
  sim: SimService;
  protocol: Protocol;
  /** XML namespace of query responses. */
  xmlns?: string;
  route(req: AwsRequest): Route | undefined;
}

/** An AWS error response: code, message, HTTP status and extra modeled fields. */
export class AwsError extends Error {
  public constructor(
    public readonly code: string,
    message: string,
    public readonly status = 400,
    public readonly fields: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'AwsError';
  }

  /** The awsQuery error code of a query-compatible JSON service (`InvalidParameterValue`), if it differs. */
  public queryCode?: string;
}

// ---------------------------------------------------------------------------------------------- XML

/** An XML list: `<tag><member>..</member>...</tag>`, the member element named per the service model. */
export class XmlList {
  public constructor(
    public readonly member: string,
    public readonly items: readonly XmlValue[],
  ) {}
}
export type XmlValue = string | number | boolean | Date | undefined | XmlList | XmlFields;
export interface XmlFields {
  [tag: string]: XmlValue;
}

export const list = (member: string, items: readonly XmlValue[]): XmlList => new XmlList(member, items);

const escapeXml = (s: string): string =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c,
  );

function renderValue(v: XmlValue): string {
  if (v instanceof XmlList) return v.items.map((i) => element(v.member, i)).join('');
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') return renderFields(v);
  return escapeXml(String(v));
}

function element(tag: string, v: XmlValue): string {
  if (v === undefined) return '';
  const inner = renderValue(v);
  return inner === '' ? `<${tag}/>` : `<${tag}>${inner}</${tag}>`;
}

/** Render `{tag: value}` fields as XML elements (undefined fields are left out). */
export function renderFields(fields: XmlFields): string {
  return Object.entries(fields)
    .map(([tag, v]) => element(tag, v))
    .join('');
}

// ---------------------------------------------------------------------------------------------- params

/** The JSON body of an awsJson request; a SerializationException when it is not an object. */
export function jsonBody(req: AwsRequest): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(req.body || '{}');
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new AwsError('SerializationException', 'Start of structure or map found where not expected.');
}

/** `prefix.1`, `prefix.2`... of a query-protocol form, in order. */
export function listParam(form: URLSearchParams, prefix: string): string[] {
  const out: string[] = [];
  for (let i = 1; form.has(`${prefix}.${i}`); i++) out.push(form.get(`${prefix}.${i}`)!);
  return out;
}

/**
 * Filters of a query-protocol form: EC2 sends `Filter.N.Name` / `Filter.N.Value.M`, RDS sends
 * `Filters.Filter.N.Name` / `Filters.Filter.N.Values.Value.M`.
 */
export function filterParam(
  form: URLSearchParams,
  prefix: string,
  valuePrefix: string,
): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (let i = 1; form.has(`${prefix}.${i}.Name`); i++) {
    const name = form.get(`${prefix}.${i}.Name`)!;
    out.set(name, [...(out.get(name) ?? []), ...listParam(form, `${prefix}.${i}.${valuePrefix}`)]);
  }
  return out;
}

/** Integer parameter, or undefined; an error with `code` when it is not an integer in [min, max]. */
export function intParam(
  form: URLSearchParams,
  name: string,
  range: { min: number; max: number; code: string },
): number | undefined {
  const raw = form.get(name);
  if (raw === null) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < range.min || n > range.max) {
    throw new AwsError(
      range.code,
      `Invalid value '${raw}' for ${name}. It must be between ${range.min} and ${range.max}.`,
    );
  }
  return n;
}

/** The twin never returns more than this many items per page, so that clients must paginate. */
export const PAGE_SIZE = 2;

/**
 * One page of `items`: at most `min(requested, PAGE_SIZE)` items from the offset encoded in `token`.
 * AWS may return fewer items than asked for, with a continuation token; the twin always does.
 */
export function paginate<T>(
  items: readonly T[],
  token: string | null | undefined,
  requested: number | undefined,
  invalidToken: () => AwsError,
): { items: T[]; next?: string } {
  let offset = 0;
  if (token) {
    const m = /^sim-page-(\d+)$/.exec(Buffer.from(token, 'base64url').toString());
    if (!m) throw invalidToken();
    offset = Number(m[1]);
  }
  const size = Math.min(requested ?? PAGE_SIZE, PAGE_SIZE);
  const page = items.slice(offset, offset + size);
  const end = offset + page.length;
  return end < items.length
    ? { items: page, next: Buffer.from(`sim-page-${end}`).toString('base64url') }
    : { items: page };
}

// ---------------------------------------------------------------------------------------------- replies

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const EC2_XMLNS = 'http://ec2.amazonaws.com/doc/2016-11-15/';
const XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n';

/** The success response of `operation` in the service's protocol. */
export function success(service: AwsService, operation: string, result: unknown, requestId: string): Reply {
  const headers = { 'x-amzn-requestid': requestId };
  switch (service.protocol) {
    case 'ec2':
      return {
        status: 200,
        headers: { ...headers, 'content-type': 'text/xml;charset=UTF-8' },
        body:
          XML_DECL +
          `<${operation}Response xmlns="${EC2_XMLNS}"><requestId>${requestId}</requestId>` +
          `${renderFields(result as XmlFields)}</${operation}Response>`,
      };
    case 'query':
      return {
        status: 200,
        headers: { ...headers, 'content-type': 'text/xml' },
        body:
          `<${operation}Response xmlns="${service.xmlns}"><${operation}Result>` +
          `${renderFields(result as XmlFields)}</${operation}Result>` +
          `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${operation}Response>`,
      };
    case 'json':
    case 'json10':
      return {
        status: 200,
        headers: {
          ...headers,
          'content-type': `application/x-amz-json-${service.protocol === 'json' ? '1.1' : '1.0'}`,
        },
        body: JSON.stringify(result),
      };
    case 'restJson':
      return {
        status: 200,
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify(result),
      };
  }
}

/** The error response of `err` in the service's protocol, as AWS sends it. */
export function failure(service: AwsService, err: AwsError, requestId: string): Reply {
  const headers: Record<string, string> = { 'x-amzn-requestid': requestId };
  const msg = escapeXml(err.message);
  switch (service.protocol) {
    case 'ec2':
      return {
        status: err.status,
        headers: { ...headers, 'content-type': 'text/xml;charset=UTF-8' },
        body:
          XML_DECL +
          `<Response><Errors><Error><Code>${err.code}</Code><Message>${msg}</Message></Error></Errors>` +
          `<RequestID>${requestId}</RequestID></Response>`,
      };
    case 'query':
      return {
        status: err.status,
        headers: { ...headers, 'content-type': 'text/xml' },
        body:
          `<ErrorResponse xmlns="${service.xmlns}"><Error><Type>${err.status >= 500 ? 'Receiver' : 'Sender'}</Type>` +
          `<Code>${err.code}</Code><Message>${msg}</Message></Error>` +
          `<RequestId>${requestId}</RequestId></ErrorResponse>`,
      };
    case 'json':
      return {
        status: err.status,
        headers: { ...headers, 'content-type': 'application/x-amz-json-1.1' },
        body: JSON.stringify({ __type: err.code, message: err.message, ...err.fields }),
      };
    case 'json10':
      return {
        status: err.status,
        headers: {
          ...headers,
          'content-type': 'application/x-amz-json-1.0',
          'x-amzn-query-error': `${err.queryCode ?? err.code};${err.status >= 500 ? 'Receiver' : 'Sender'}`,
        },
        body: JSON.stringify({
          __type: `com.amazonaws.${service.signingName}#${err.code}`,
          message: err.message,
          ...err.fields,
        }),
      };
    case 'restJson':
      return {
        status: err.status,
        headers: {
          ...headers,
          'content-type': 'application/json',
          'x-amzn-errortype': `${err.code}:http://internal.amazon.com/coral/com.amazonaws.${service.signingName}/`,
        },
        body: JSON.stringify({ message: err.message, ...err.fields }),
      };
  }
}

/** The real error each protocol answers for an injected fault (what the SDK's retry logic classifies). */
export function faultError(
  service: AwsService,
  kind: 'throttle' | 'accessDenied' | 'error5xx',
  operation: string,
  callerArn: string,
): AwsError {
  const action = `${service.signingName}:${operation}`;
  const denied = `User: ${callerArn} is not authorized to perform: ${action} because no identity-based policy allows the ${action} action`;
  switch (kind) {
    case 'throttle':
      if (service.protocol === 'ec2')
        return new AwsError('RequestLimitExceeded', 'Request limit exceeded.', 503);
      if (service.protocol === 'query') return new AwsError('Throttling', 'Rate exceeded', 400);
      if (service.protocol === 'restJson') return new AwsError('ThrottlingException', 'Rate exceeded', 429);
      if (service.protocol === 'json10') {
        const e = new AwsError('ThrottlingException', 'Rate exceeded', 400);
        e.queryCode = 'Throttling';
        return e;
      }
      return new AwsError('ThrottlingException', 'Rate exceeded', 400);
    case 'accessDenied':
      if (service.protocol === 'ec2')
        return new AwsError(
          'UnauthorizedOperation',
          'You are not authorized to perform this operation.',
          403,
        );
      if (service.protocol === 'query') return new AwsError('AccessDenied', denied, 403);
      return new AwsError('AccessDeniedException', denied, 403);
    case 'error5xx':
      return service.protocol === 'ec2'
        ? new AwsError('InternalError', 'An internal error has occurred', 500)
        : new AwsError(
            'InternalFailure',
            'The request processing has failed because of an unknown error.',
            500,
          );
  }
}

/**
 * The error each protocol answers for credentials it does not know (or temporary credentials without their
 * session token), temporary credentials that expired, or a signature that does not match.
 */
export function authError(
  service: AwsService,
  problem: 'unknownKey' | 'badSignature' | 'missing' | 'expired',
): AwsError {
  const { protocol } = service;
  if (problem === 'expired') {
    const msg = 'The security token included in the request is expired';
    if (protocol === 'ec2') return new AwsError('RequestExpired', 'Request has expired.', 400);
    return protocol === 'query'
      ? new AwsError('ExpiredToken', msg, 403)
      : new AwsError('ExpiredTokenException', msg, protocol === 'json' ? 400 : 403);
  }
  if (problem === 'missing') {
    const status = protocol === 'ec2' ? 401 : protocol === 'json' || protocol === 'json10' ? 400 : 403;
    return new AwsError('MissingAuthenticationToken', 'Request is missing Authentication Token', status);
  }
  if (protocol === 'ec2')
    return new AwsError('AuthFailure', 'AWS was not able to validate the provided access credentials', 401);
  if (problem === 'unknownKey') {
    return protocol === 'query'
      ? new AwsError('InvalidClientTokenId', 'The security token included in the request is invalid.', 403)
      : new AwsError(
          'UnrecognizedClientException',
          'The security token included in the request is invalid.',
          protocol === 'json' || protocol === 'json10' ? 400 : 403,
        );
  }
  const msg =
    'The request signature we calculated does not match the signature you provided. ' +
    'Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
  return protocol === 'query'
    ? new AwsError('SignatureDoesNotMatch', msg, 403)
    : new AwsError(
        'InvalidSignatureException',
        msg,
        protocol === 'json' || protocol === 'json10' ? 400 : 403,
      );
}

/** The error for a request naming an operation the twin does not implement. */
export function unknownOperation(service: AwsService, what: string): AwsError {
  if (service.protocol === 'ec2' || service.protocol === 'query')
    return new AwsError('InvalidAction', `The action ${what} is not valid for this web service.`, 400);
  if (service.protocol === 'json' || service.protocol === 'json10')
    return new AwsError('UnknownOperationException', `Unknown operation ${what}`, 400);
  return new AwsError('UnknownOperationException', `No route for ${what}`, 404);
}

/** An operation of a form-body (query) protocol: form parameters in, XML fields out. */
export type FormOperation = (form: URLSearchParams, world: World) => XmlFields;

/** Route a query-protocol request by its `Action` form parameter. */
export function routeByAction(
  operations: Record<string, FormOperation>,
): (req: AwsRequest) => Route | undefined {
  return (req) => {
    const action = req.form.get('Action') ?? '';
    const op = operations[action];
    return op && { operation: action, run: (world) => op(req.form, world) };
  };
}
