import { readFileSync } from 'node:fs';

declare const __CODER_AUDIT_VERSION__: string | undefined;

/** The package version: set by the build (`define`), read from package.json when run from source. */
export const VERSION: string =
  typeof __CODER_AUDIT_VERSION__ === 'string'
    ? __CODER_AUDIT_VERSION__
    : (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string })
        .version;
