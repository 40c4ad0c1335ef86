import type { TestProject } from 'vitest/node';
import { findPostgresBin, startThrowawayPostgres } from './postgres';

declare module 'vitest' {
  export interface ProvidedContext {
    /** PostgreSQL for the store's tests, or '' when none is available (said loudly at the start of the run). */
    postgresUrl: string;
  }
}

/** Once per run: TEST_DATABASE_URL, else a throwaway cluster when the binaries exist, else a loud warning. */
export default async function setup(project: TestProject) {
  if (process.env.TEST_DATABASE_URL) {
    project.provide('postgresUrl', process.env.TEST_DATABASE_URL);
    return;
  }
  const bin = findPostgresBin();
  if (!bin) {
    const line = '!'.repeat(100);
    console.warn(
      `${line}\n!! PostgreSQL NOT TESTED: TEST_DATABASE_URL is unset and no initdb/pg_ctl was found (PATH, /usr/lib/postgresql/*/bin).\n` +
        `!! The records store's tests run on SQLite only. Install Debian's "postgresql" package (.ci/run does) or set TEST_DATABASE_URL.\n${line}`,
    );
    project.provide('postgresUrl', '');
    return;
  }
  const pg = await startThrowawayPostgres(bin);
  console.log(`[postgres] throwaway cluster from ${bin} at ${pg.url}`);
  project.provide('postgresUrl', pg.url);
  return () => pg.stop();
}
