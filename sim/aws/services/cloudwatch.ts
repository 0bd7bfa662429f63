import type { AwsMetricSeries } from '../model.js';
import { AwsError, jsonBody, type AwsRequest, type AwsService, type Route, type World } from '../protocol.js';

/**
 * CloudWatch GetMetricData as @aws-sdk/client-cloudwatch 3.11xx speaks it: awsJson1_0 with awsQueryCompatible
 * (its runtimeConfig.shared.js: `AwsJson1_0Protocol`, serviceTarget `GraniteServiceVersion20100801`), so
 * `POST /` with `X-Amz-Target: GraniteServiceVersion20100801.GetMetricData`, a JSON 1.0 body, timestamps in
 * epoch seconds, and query error codes in `x-amzn-query-error`. Validation from the API reference and
 * botocore's monitoring/2010-08-01 model: 1..500 queries, ids unique and starting with a lowercase letter,
 * Period a multiple of 60, StartTime before EndTime; results newest first (ScanBy TimestampDescending).
 */

const TARGET = 'GraniteServiceVersion20100801.GetMetricData';
const STATS = new Set(['Sum', 'Average', 'Maximum', 'Minimum', 'SampleCount']);

interface Query {
  Id?: unknown;
  ReturnData?: unknown;
  Label?: unknown;
  MetricStat?: {
    Metric?: {
      Namespace?: unknown;
      MetricName?: unknown;
      Dimensions?: Array<{ Name?: unknown; Value?: unknown }>;
    };
    Period?: unknown;
    Stat?: unknown;
  };
}

function invalid(message: string): AwsError {
  const e = new AwsError('InvalidParameterValueException', message, 400);
  e.queryCode = 'InvalidParameterValue';
  return e;
}

function aggregate(values: number[], stat: string): number {
  switch (stat) {
    case 'Average':
      return values.reduce((a, b) => a + b, 0) / values.length;
    case 'Maximum':
      return Math.max(...values);
    case 'Minimum':
      return Math.min(...values);
    case 'SampleCount':
      return values.length;
    default:
      return values.reduce((a, b) => a + b, 0);
  }
}

function series(world: World, q: Query): AwsMetricSeries | undefined {
  const m = q.MetricStat!.Metric!;
  const dims = Object.fromEntries((m.Dimensions ?? []).map((d) => [String(d.Name), String(d.Value)]));
  return Object.values(world.state.cloudwatch.metrics).find(
    (s) =>
      s.namespace === m.Namespace &&
      s.name === m.MetricName &&
      Object.keys(s.dimensions).length === Object.keys(dims).length &&
      Object.entries(s.dimensions).every(([k, v]) => dims[k] === v),
  );
}

function getMetricData(input: Record<string, unknown>, world: World): unknown {
  const queries = input.MetricDataQueries as Query[] | undefined;
  if (!Array.isArray(queries) || queries.length === 0 || queries.length > 500)
    throw invalid(
      'The collection MetricDataQueries must not be empty and must not have more than 500 members.',
    );
  if (typeof input.StartTime !== 'number' || typeof input.EndTime !== 'number')
    throw invalid('StartTime and EndTime are required.');
  const start = input.StartTime * 1000;
  const end = input.EndTime * 1000;
  if (start >= end) throw invalid('The parameter StartTime must be less than the parameter EndTime.');
  const ids = new Set<string>();
  queries.forEach((q, i) => {
    const id = String(q.Id ?? '');
    if (!/^[a-z][A-Za-z0-9_]*$/.test(id))
      throw invalid(`The value ${id} for parameter MetricDataQueries.member.${i + 1}.Id is not valid.`);
    if (ids.has(id)) throw invalid(`The values for parameter id in MetricDataQueries are not unique.`);
    ids.add(id);
    const ms = q.MetricStat;
    if (!ms?.Metric?.Namespace || !ms.Metric.MetricName)
      throw invalid(`MetricDataQueries.member.${i + 1}: MetricStat with a Metric is required.`);
    const period = Number(ms.Period);
    if (!Number.isInteger(period) || period < 60 || period % 60 !== 0)
      throw invalid(
        `The parameter MetricDataQueries.member.${i + 1}.MetricStat.Period must be a multiple of 60.`,
      );
    if (!STATS.has(String(ms.Stat)) && !/^p\d{1,2}(\.\d+)?$/.test(String(ms.Stat)))
      throw invalid(
        `The value ${String(ms.Stat)} for parameter MetricDataQueries.member.${i + 1}.MetricStat.Stat is not valid.`,
      );
  });
  const now = world.appliedAt.getTime();
  return {
    MetricDataResults: queries
      .filter((q) => q.ReturnData !== false)
      .map((q) => {
        const ms = q.MetricStat!;
        const periodMs = Number(ms.Period) * 1000;
        const points = (series(world, q)?.points ?? [])
          .map((p) => ({ at: now - p.ageMinutes * 60_000, value: p.value }))
          .filter((p) => p.at >= start && p.at < end);
        // Periods aligned on StartTime; newest first.
        const buckets = new Map<number, number[]>();
        for (const p of points) {
          const b = start + Math.floor((p.at - start) / periodMs) * periodMs;
          buckets.set(b, [...(buckets.get(b) ?? []), p.value]);
        }
        const stamps = [...buckets.keys()].sort((a, b) => b - a);
        return {
          Id: q.Id,
          Label: typeof q.Label === 'string' ? q.Label : ms.Metric!.MetricName,
          Timestamps: stamps.map((t) => t / 1000),
          Values: stamps.map((t) => aggregate(buckets.get(t)!, String(ms.Stat))),
          StatusCode: 'Complete',
        };
      }),
    Messages: [],
  };
}

/** CloudWatch (awsJson1_0, awsQueryCompatible): GetMetricData. */
export const cloudWatchService: AwsService = {
  signingName: 'monitoring',
  sim: 'cloudwatch',
  protocol: 'json10',
  route(req: AwsRequest): Route | undefined {
    if (req.headers['x-amz-target'] !== TARGET) return undefined;
    if (!String(req.headers['content-type'] ?? '').startsWith('application/x-amz-json-1.0')) return undefined;
    // Billed per metric requested ($0.01 per 1,000, CloudWatch pricing), not per request. A body that does
    // not parse is reported by run(), as the service's error.
    let input: Record<string, unknown> | undefined;
    try {
      input = jsonBody(req);
    } catch {
      input = undefined;
    }
    const queries = input?.MetricDataQueries;
    const units = Array.isArray(queries) ? queries.filter((q: Query | null) => q?.MetricStat).length : 0;
    return {
      operation: 'GetMetricData',
      units,
      run: (world) => getMetricData(input ?? jsonBody(req), world),
    };
  },
};
